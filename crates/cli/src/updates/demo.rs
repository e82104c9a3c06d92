//! The update-check step of `olkit demo`: `olkit updates check`,
//! `download` and `install-command` on the bundled examples, with nothing
//! fetched from the network.

use std::fs;
use std::io::Write;
use std::path::Path;

use olkit_manifest::{verify_file, Manifest, Plan};
use serde::Serialize;

use super::check::{installed_products, load_manifest, update_list, write_human, EnvArgs};
use super::download::{
    download_all, package_source, part_path, Base, Job, Messages, PackageJson, Source, Status,
};
use super::http::{HttpOptions, DEFAULT_TIMEOUT};
use super::install::{build_argv, command_line, Ui};
use crate::demo::{
    load_example, DemoFile, Example, INSTALLED_PRODUCTS_REG, MANIFEST_ENV, MANIFEST_KEY,
    MANIFEST_SIGNATURE, MANIFEST_XML, OLKIT_SAMPLE_MSI, OXTENDER_SAMPLE_MSI,
};
use crate::output::{self, file_name, plural, CliError, CliResult};
use crate::trust::TrustArgs;

/// What the update-check step of the demo did.
#[derive(Serialize)]
pub(crate) struct DemoUpdates {
    manifest: DemoFile,
    signature: DemoFile,
    key: DemoFile,
    installed: DemoFile,
    environment: DemoFile,
    /// How the manifest was verified, as `olkit updates check` says it.
    provenance: String,
    /// The products of the .reg export the plan compared (installed or
    /// advertised, with a version, once per UpgradeCode).
    installed_products: usize,
    /// As in `olkit updates check --json`.
    updates: serde_json::Value,
    /// As in `olkit updates check --json`.
    not_offered: serde_json::Value,
    cache_upgrade: Option<u32>,
    /// The lines `olkit updates check` prints.
    list: Vec<String>,
    /// The example packages, each with the manifest entry of its
    /// ProductCode: the offered ones first, in the order to install them.
    packages: Vec<DemoUpdatePackage>,
}

#[derive(Serialize)]
struct DemoUpdatePackage {
    #[serde(flatten)]
    file: DemoFile,
    /// The example's name (`oxtender-sample.msi`...).
    name: &'static str,
    product_code: String,
    /// The entry's name and version; `None` when the manifest has no entry
    /// with that ProductCode.
    product: Option<String>,
    version: Option<String>,
    /// Whether the check offers that entry to the machine.
    offered: bool,
    /// Its place (from 0) in the order to install what is offered.
    #[serde(skip)]
    install_rank: Option<usize>,
    /// The package "downloaded" from its local copy as `olkit updates
    /// download` does (as in its --json); only when offered.
    download: Option<PackageJson>,
    /// What `olkit updates install-command` prints for the downloaded file.
    install: Option<DemoInstall>,
}

#[derive(Serialize)]
struct DemoInstall {
    command_line: String,
    argv: Vec<String>,
    /// The manifest's InstallParams switches the command's own replace.
    dropped: Vec<String>,
}

/// The example packages of the step, each checked against the manifest
/// entry with its ProductCode.
const PACKAGES: [&Example; 2] = [&OXTENDER_SAMPLE_MSI, &OLKIT_SAMPLE_MSI];

impl DemoUpdates {
    /// The names of the example packages downloaded and verified, in the
    /// order to install them.
    pub(crate) fn downloaded(&self) -> Vec<&'static str> {
        let done = self.packages.iter().filter(|p| p.download.is_some());
        done.map(|p| p.name).collect()
    }
}

fn demo_error(path: &Path, what: impl std::fmt::Display) -> CliError {
    CliError::Demo(format!("{}: {what}", path.display()))
}

/// The update-check step of `olkit demo`, in `dir/updates`: the example
/// manifest checked with its signature and pinned key against the
/// products of installed-products.reg on the machine of
/// manifest-env.json, as `olkit updates check` does; each example package
/// the check offers downloaded from its local copy into `downloads/` and
/// verified while streaming, as `olkit updates download` does; and its
/// msiexec command line, as `olkit updates install-command` gives it.
pub(crate) fn demo_step(dir: &Path, examples: Option<&Path>) -> Result<DemoUpdates, CliError> {
    let dir = dir.join("updates");
    fs::create_dir_all(&dir).map_err(|e| CliError::io(&dir, e))?;
    let (manifest_path, _, manifest) = load_example(&dir, examples, &MANIFEST_XML)?;
    let (signature_path, _, signature) = load_example(&dir, examples, &MANIFEST_SIGNATURE)?;
    let (key_path, _, key) = load_example(&dir, examples, &MANIFEST_KEY)?;
    let (installed_path, _, installed) = load_example(&dir, examples, &INSTALLED_PRODUCTS_REG)?;
    let (env_path, _, environment) = load_example(&dir, examples, &MANIFEST_ENV)?;

    // As `olkit updates check MANIFEST --sig SIG --pubkey KEY --installed
    // REG --env JSON`: a local manifest, so nothing is fetched.
    let installed_list = installed_products(&installed_path)?;
    let machine = EnvArgs::from_file(env_path).environment()?;
    let mut trust = TrustArgs {
        sig: Some(signature_path),
        pubkey: vec![output::path_text(&key_path)],
        allow_unsigned: false,
        last_serial: None,
        at: None,
    };
    let options = HttpOptions {
        auth: None,
        timeout: DEFAULT_TIMEOUT,
        ca_file: None,
    };
    let loaded = load_manifest(&output::path_text(&manifest_path), &mut trust, &options)?;
    let m = loaded.trusted.verified.manifest();
    let plan = olkit_manifest::plan(m, &installed_list, &machine);
    let (updates, not_offered) = update_list(m, &plan);
    let mut text = Vec::new();
    write_human(&mut text, &loaded, &plan, &updates, &not_offered, None)?;
    let list = String::from_utf8_lossy(&text)
        .lines()
        .map(str::to_owned)
        .collect();
    let updates_json = serde_json::to_value(&updates).map_err(|e| demo_error(&manifest_path, e))?;
    let not_offered_json =
        serde_json::to_value(&not_offered).map_err(|e| demo_error(&manifest_path, e))?;

    let mut packages = PACKAGES
        .iter()
        .map(|example| demo_package(&dir, examples, example, m, &plan, &manifest_path, &options))
        .collect::<Result<Vec<_>, _>>()?;
    // The offered ones in the order to install them, as the list shows.
    packages.sort_by_key(|p| p.install_rank.unwrap_or(usize::MAX));

    Ok(DemoUpdates {
        provenance: loaded.trusted.provenance(),
        installed_products: installed_list.len(),
        cache_upgrade: plan.cache_upgrade(),
        packages,
        updates: updates_json,
        not_offered: not_offered_json,
        list,
        manifest,
        signature,
        key,
        installed,
        environment,
    })
}

/// One example package: the manifest entry with the ProductCode it
/// declares and, when the check offers that entry, the package downloaded
/// into `dir/downloads` from its local copy (under the name the entry's
/// URL gives it) and its install command.
fn demo_package(
    dir: &Path,
    examples: Option<&Path>,
    example: &Example,
    m: &Manifest,
    plan: &Plan,
    manifest_path: &Path,
    options: &HttpOptions,
) -> Result<DemoUpdatePackage, CliError> {
    let (package_path, _, package_file) = load_example(dir, examples, example)?;
    let code = crate::msi::open(&package_path)?
        .identity()
        .map_err(|e| crate::msi::msi_error(&package_path, e))?
        .product_code
        .ok_or_else(|| demo_error(&package_path, "no ProductCode"))?;
    let index = m.products.iter().position(|p| {
        p.product_code
            .as_deref()
            .and_then(|c| olkit_msi_query::Guid::parse(c).ok())
            == Some(code)
    });
    let product = index.and_then(|i| m.products.get(i));
    let install_rank = index.and_then(|i| plan.order.iter().position(|&o| o == i));
    let (download, install) = match product.filter(|_| install_rank.is_some()) {
        Some(product) => {
            let downloads = dir.join("downloads");
            // Saved under the name the manifest's URL gives it, but read
            // from the local copy: nothing is fetched.
            let url = package_source(&Base::File(manifest_path.to_owned()), product)
                .map_err(|e| demo_error(manifest_path, e))?;
            let job = Job {
                product,
                source: Source::File(package_path.clone()),
                name: super::download::file_name(&url, product),
            };
            let jobs = std::slice::from_ref(&job);
            let done = download_all(jobs, &downloads, options, Messages::Silent)?;
            let done = done
                .into_iter()
                .next()
                .ok_or_else(|| demo_error(&package_path, "not downloaded"))?;
            if done.status == Status::Failed {
                return Err(demo_error(
                    &package_path,
                    done.error.as_deref().unwrap_or("not downloaded"),
                ));
            }
            let target = downloads.join(&job.name);
            if part_path(&downloads, &job.name).exists() {
                return Err(demo_error(&target, "a .part was left beside it"));
            }
            // As `olkit updates install-command` does: verified again,
            // then the command for its absolute path.
            verify_file(&target, product).map_err(|e| crate::trust::manifest_error(&target, e))?;
            let absolute = std::path::absolute(&target).map_err(|e| CliError::io(&target, e))?;
            let (argv, dropped) = build_argv(
                &output::path_text(&absolute),
                Ui::Quiet,
                None,
                product.install_params.as_deref(),
            )
            .map_err(|e| demo_error(manifest_path, e))?;
            let install = DemoInstall {
                command_line: command_line(&argv),
                argv,
                dropped,
            };
            (Some(done), Some(install))
        }
        None => (None, None),
    };
    Ok(DemoUpdatePackage {
        file: package_file,
        name: example.name,
        product_code: code.to_string(),
        product: product.map(|p| p.name.clone()),
        version: product.map(|p| p.version.to_string()),
        offered: install_rank.is_some(),
        install_rank,
        download,
        install,
    })
}

/// Prints the update-check step of the demo as step `number`.
pub(crate) fn demo_print(out: &mut impl Write, number: usize, d: &DemoUpdates) -> CliResult {
    writeln!(
        out,
        "\n{number}. Update check: {} ({}) for the machine of {} with the {} of {}, as `olkit updates check` prints it:",
        MANIFEST_XML.name,
        d.manifest.origin(),
        MANIFEST_ENV.name,
        plural(d.installed_products, "product", "products"),
        INSTALLED_PRODUCTS_REG.name,
    )?;
    for line in &d.list {
        writeln!(out, "   | {line}")?;
    }
    for p in &d.packages {
        print_package(out, p)?;
    }
    Ok(())
}

fn print_package(out: &mut impl Write, p: &DemoUpdatePackage) -> CliResult {
    let entry = match (&p.product, &p.version) {
        (Some(name), Some(version)) => format!("the manifest's {name} {version}"),
        _ => "in no manifest entry".to_owned(),
    };
    writeln!(
        out,
        "   {} ({}, {} bytes): ProductCode {}, {entry}",
        p.name,
        p.file.origin(),
        p.file.bytes,
        p.product_code
    )?;
    match (&p.download, &p.install) {
        (Some(done), Some(install)) => {
            writeln!(
                out,
                "     downloaded from its local copy as `olkit updates download` does: {} ({} bytes, {} {}), streamed through the check into a .part renamed once verified",
                file_name(&done.path),
                done.bytes.unwrap_or_default(),
                done.strength.unwrap_or_default(),
                done.sha256.as_deref().unwrap_or_default()
            )?;
            writeln!(out, "     `olkit updates install-command` gives:")?;
            writeln!(out, "       {}", install.command_line)?;
            for arg in &install.dropped {
                writeln!(
                    out,
                    "     ({arg:?} of the manifest's InstallParams left out: the command's own switch applies)"
                )?;
            }
        }
        _ if p.product.is_some() => writeln!(
            out,
            "     not offered to this machine: not downloaded, no install command"
        )?,
        _ => writeln!(out, "     not checked: the manifest lists no such package")?,
    }
    Ok(())
}
