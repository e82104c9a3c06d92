//! The C ABI of olkit-msi-query: Windows Installer packages (`.msi`, `.msm`,
//! `.mst`, `.msp`), Windows Installer SQL, product identity, summary
//! information, IDT export, the installed-product inventory of a `.reg`
//! export and FindRelatedProducts.
//!
//! Handles: `olk_msi_package` (an opened package), `olk_msi_query` (a
//! parsed `SELECT`), `olk_msi_view` (the rows of a query run against a
//! package), `olk_msi_record` (a row fetched from a view, or the `?`
//! parameters of a query, like a Windows Installer record), `olk_msi_identity`
//! (product identity) and `olk_msi_inventory` (installed products).
//!
//! Status codes 3000-3999 belong to this module (`OLK_MSI_*`); every
//! `olkit_msi_query::Error` maps to one of them (`Io` to `OLK_IO`, a `.reg`
//! error to its `OLK_REG_*` code) and keeps the library's message as the
//! last error: SQL errors say where (`SQL error at byte 7 ("FRM"): ...`).
//!
//! Record fields and view columns are numbered from 1, as in Windows
//! Installer records; table and column indexes of a package from 0.

// Every handle and enum of this module has its C name (`olk_msi_*`).
#![allow(non_camel_case_types, reason = "C names")]

use std::ffi::{c_char, CString};
use std::path::Path;
use std::sync::Arc;

use olkit_msi_query::{
    Error, Guid, InstallContext, InstalledProduct, Inventory, InventoryWarning, Package,
    PackageKind, Param, ProductIdentity, ProductVerdict, Query, Scope, SqlErrorKind, SummaryValue,
    UpgradeReport, UpgradeRow, Value, View,
};
use serde::Serialize;

use crate::boundary::boundary;
use crate::error::FfiError;
use crate::status::{olk_status, OLK_INVALID_ARGUMENT, OLK_IO};
use crate::util::{
    bytes_arg, c_enum, c_string, export, export_args, export_bytes, free_handle, handle_arg,
    handle_arg_mut, optional_str_arg, path_arg, str_arg, CEnum, NewHandle, Out, Output,
};

/// The bytes are not a readable compound file (the container of every
/// package): not OLE2, truncated, cyclic or out-of-range sector chains.
pub const OLK_MSI_CONTAINER: olk_status = 3000;
/// A compound file whose root storage CLSID is not that of a Windows
/// Installer database, transform or patch.
pub const OLK_MSI_NOT_A_PACKAGE: olk_status = 3001;
/// The package is corrupt: string pool, table streams, column definitions
/// or summary information disagree or are malformed.
pub const OLK_MSI_CORRUPT: olk_status = 3002;
/// A string in a code page olkit cannot decode.
pub const OLK_MSI_UNSUPPORTED_CODEPAGE: olk_status = 3003;
/// No table of that name (names are case-sensitive), also in a query.
pub const OLK_MSI_NO_SUCH_TABLE: olk_status = 3004;
/// No stream of that name in the package.
pub const OLK_MSI_NO_SUCH_STREAM: olk_status = 3005;
/// Over a limit: a stream or string pool too large, a query too long or
/// too deeply nested, a result with too many rows or a join with too much
/// work.
pub const OLK_MSI_TOO_LARGE: olk_status = 3006;
/// The SQL text does not parse; the message gives the byte offset and the
/// token.
pub const OLK_MSI_SQL_SYNTAX: olk_status = 3007;
/// The query parses but does not fit the package: an unknown column, `<`
/// on a string column, a stream column sorted or tested for NULL.
pub const OLK_MSI_SQL_INVALID: olk_status = 3008;
/// The parameter record has fewer fields than the query has `?` markers.
pub const OLK_MSI_MARKER_COUNT: olk_status = 3009;
/// `olk_msi_view_fetch`: every row has been fetched (not an error of the
/// view, the end of it).
pub const OLK_MSI_NO_MORE_ROWS: olk_status = 3010;
/// A typed record accessor was used on a field of another type.
pub const OLK_MSI_TYPE_MISMATCH: olk_status = 3011;
/// A value that identity or upgrade matching needs is malformed: a
/// version, GUID, Template or language list (the message names it).
pub const OLK_MSI_INVALID_VALUE: olk_status = 3012;
/// `olk_msi_inventory_product_info`: the product is not registered in that
/// context (`ERROR_UNKNOWN_PRODUCT`).
pub const OLK_MSI_UNKNOWN_PRODUCT: olk_status = 3013;
/// `olk_msi_inventory_product_info`: no such property for that product
/// (`ERROR_UNKNOWN_PROPERTY`).
pub const OLK_MSI_UNKNOWN_PROPERTY: olk_status = 3014;

/// An opened Windows Installer package. Tables are decoded when first
/// used and then cached, so reading the identity of a large package is
/// fast.
///
/// Created by `olk_msi_package_open` or `olk_msi_package_open_bytes`;
/// released by `olk_msi_package_free`. Views and records keep what they
/// need of the package alive: they may outlive the handle.
///
/// Thread safety: every function takes a `const olk_msi_package *` and may
/// run concurrently on one handle from several threads.
pub struct olk_msi_package {
    package: Arc<Package>,
}

/// A parsed Windows Installer SQL `SELECT`, independent of any package.
/// Created by `olk_msi_query_prepare`, released by `olk_msi_query_free`;
/// may be executed any number of times, concurrently.
pub struct olk_msi_query {
    query: Query,
}

/// The rows of a query run against a package (`olk_msi_query_execute`),
/// in Windows Installer's order, with a cursor for `olk_msi_view_fetch`.
/// Released by `olk_msi_view_free`. Fetching moves the cursor: a view must
/// not be fetched from by two threads at once.
pub struct olk_msi_view {
    view: View,
    package: Arc<Package>,
    next: usize,
}

/// A record: numbered fields (from 1), each NULL, an integer, a string or
/// (in fetched rows) a stream. Made by `olk_msi_record_new` (all fields
/// NULL, to bind the `?` markers of a query) or by `olk_msi_view_fetch`;
/// released by `olk_msi_record_free`. Setting a field must not run
/// concurrently with any other call on the same record.
pub struct olk_msi_record {
    fields: Vec<Field>,
    /// The package stream fields are read from (fetched records only).
    package: Option<Arc<Package>>,
}

/// The product identity of a package (`olk_msi_package_identity`), read by
/// `olk_msi_identity_get`; released by `olk_msi_identity_free`.
pub struct olk_msi_identity {
    identity: ProductIdentity,
}

/// The products a `.reg` export of the Windows Installer registry keys shows
/// registered (`olk_msi_inventory_parse`); released by
/// `olk_msi_inventory_free`. Read-only: may be used from several threads.
pub struct olk_msi_inventory {
    inventory: Inventory,
}

/// What kind of file a package is (`uint32_t` values in function
/// signatures), from its root storage CLSID.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_msi_kind {
    /// An installation database (`.msi`).
    OLK_MSI_KIND_DATABASE = 1,
    /// A merge module (`.msm`): a database with a `ModuleSignature` table.
    OLK_MSI_KIND_MERGE_MODULE = 2,
    /// A transform (`.mst`); its tables hold differences, not rows.
    OLK_MSI_KIND_TRANSFORM = 3,
    /// A patch (`.msp`).
    OLK_MSI_KIND_PATCH = 4,
}

/// The type of a record field (`uint32_t` values in function signatures).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_msi_field_type {
    /// NULL (the empty string is NULL too, as in Windows Installer).
    OLK_MSI_FIELD_NULL = 0,
    /// A 32-bit signed integer (`olk_msi_record_get_int`).
    OLK_MSI_FIELD_INT = 1,
    /// A string (`olk_msi_record_get_string`).
    OLK_MSI_FIELD_STRING = 2,
    /// A stream (`olk_msi_record_stream_name`, `olk_msi_record_read_stream`).
    OLK_MSI_FIELD_STREAM = 3,
}

/// The values of a product identity (`uint32_t` values of
/// `olk_msi_identity_get`), each returned as text.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_msi_identity_field {
    /// The `ProductCode` property, `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
    OLK_MSI_IDENTITY_PRODUCT_CODE = 1,
    /// The `ProductVersion` property, `major.minor.build[.revision]`.
    OLK_MSI_IDENTITY_PRODUCT_VERSION = 2,
    /// The `UpgradeCode` property.
    OLK_MSI_IDENTITY_UPGRADE_CODE = 3,
    /// The `ProductName` property.
    OLK_MSI_IDENTITY_PRODUCT_NAME = 4,
    /// The `Manufacturer` property.
    OLK_MSI_IDENTITY_MANUFACTURER = 5,
    /// The `ProductLanguage` property, a decimal LANGID (`1033`).
    OLK_MSI_IDENTITY_PRODUCT_LANGUAGE = 6,
    /// The package code: summary information property 9 (a patch's patch
    /// code; none for a transform).
    OLK_MSI_IDENTITY_PACKAGE_CODE = 7,
    /// The platform of the summary `Template`: `Intel`, `x64`, `Intel64`,
    /// `Arm`, `Arm64`, or as written for others; "" when it names none.
    OLK_MSI_IDENTITY_ARCHITECTURE = 8,
    /// The languages of the summary `Template`, decimal LANGIDs joined by
    /// `,` (`1033,1031`).
    OLK_MSI_IDENTITY_LANGUAGES = 9,
    /// The minimum Windows Installer version (summary property 14) as
    /// `major.minor` (`4.5` for 405).
    OLK_MSI_IDENTITY_MINIMUM_INSTALLER_VERSION = 10,
}

/// Which installed products FindRelatedProducts sees (`uint32_t` values of
/// `olk_msi_package_find_related_products`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_msi_scope {
    /// Every product of the inventory.
    OLK_MSI_SCOPE_ALL = 1,
    /// Per-machine products only, as a per-machine installation sees them.
    OLK_MSI_SCOPE_MACHINE = 2,
    /// Per-user products only, as a per-user installation sees them: of the
    /// user whose SID is given, or of any user without one.
    OLK_MSI_SCOPE_USER = 3,
}

/// What installing a package amounts to, given the installed products
/// (`uint32_t` values of `olk_msi_package_find_related_products`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_msi_verdict {
    /// A new installation: nothing related is removed.
    OLK_MSI_VERDICT_INSTALL = 1,
    /// A major upgrade: RemoveExistingProducts removes related products.
    OLK_MSI_VERDICT_UPGRADE = 2,
    /// A newer version with the package's UpgradeCode is installed.
    OLK_MSI_VERDICT_DOWNGRADE = 3,
    /// The package's ProductCode is installed: maintenance (repair, modify,
    /// remove), where FindRelatedProducts does not run.
    OLK_MSI_VERDICT_MAINTENANCE = 4,
}

/// Installation contexts: Windows's own `MSIINSTALLCONTEXT_*` numbers
/// (`uint32_t` values of `olk_msi_inventory_product_info`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum olk_msi_context {
    /// `MSIINSTALLCONTEXT_USERMANAGED`: per user, managed (installed with
    /// elevated privileges by policy).
    OLK_MSI_CONTEXT_USER_MANAGED = 1,
    /// `MSIINSTALLCONTEXT_USERUNMANAGED`: per user.
    OLK_MSI_CONTEXT_USER_UNMANAGED = 2,
    /// `MSIINSTALLCONTEXT_MACHINE`: per machine.
    OLK_MSI_CONTEXT_MACHINE = 4,
}

/// Most fields a record may have, as `MsiCreateRecord` allows.
const MAX_RECORD_FIELDS: usize = 65_535;

impl From<Error> for FfiError {
    fn from(err: Error) -> Self {
        let err = match err {
            // The .reg file's own code (OLK_REG_BAD_HEADER...).
            Error::Reg(reg) => return FfiError::from(reg),
            other => other,
        };
        let status = match &err {
            Error::Io { .. } => OLK_IO,
            Error::Container { .. } => OLK_MSI_CONTAINER,
            Error::UnknownPackageKind { .. } => OLK_MSI_NOT_A_PACKAGE,
            Error::StringPool { .. }
            | Error::TableSize { .. }
            | Error::BadStringRef { .. }
            | Error::BadColumns { .. }
            | Error::SummaryInfo { .. } => OLK_MSI_CORRUPT,
            Error::UnsupportedCodepage { .. } => OLK_MSI_UNSUPPORTED_CODEPAGE,
            Error::NoSuchTable { .. } => OLK_MSI_NO_SUCH_TABLE,
            Error::NoSuchStream { .. } => OLK_MSI_NO_SUCH_STREAM,
            Error::TooLarge { .. } => OLK_MSI_TOO_LARGE,
            Error::InvalidVersion { .. }
            | Error::InvalidGuid { .. }
            | Error::InvalidTemplate { .. }
            | Error::InvalidLanguage { .. }
            | Error::InvalidField { .. } => OLK_MSI_INVALID_VALUE,
            Error::UnknownProduct { .. } => OLK_MSI_UNKNOWN_PRODUCT,
            Error::UnknownProperty { .. } => OLK_MSI_UNKNOWN_PROPERTY,
            Error::Sql(sql) => sql_status(&sql.kind),
            // `Error` is #[non_exhaustive]: a variant added to the library
            // later fails with a general code until it gets its own here.
            _ => OLK_INVALID_ARGUMENT,
        };
        FfiError::new(status, err.to_string())
    }
}

fn sql_status(kind: &SqlErrorKind) -> olk_status {
    match kind {
        SqlErrorKind::UnknownTable { .. } => OLK_MSI_NO_SUCH_TABLE,
        SqlErrorKind::UnknownColumn { .. }
        | SqlErrorKind::NoTables
        | SqlErrorKind::StringComparison { .. }
        | SqlErrorKind::NotComparable { .. }
        | SqlErrorKind::Undecided => OLK_MSI_SQL_INVALID,
        SqlErrorKind::TooLong { .. }
        | SqlErrorKind::TooDeep { .. }
        | SqlErrorKind::TooManyRows { .. }
        | SqlErrorKind::TooMuchWork { .. } => OLK_MSI_TOO_LARGE,
        _ => OLK_MSI_SQL_SYNTAX,
    }
}

// ---------------------------------------------------------------------------
// Helpers

/// A C string result.
fn text(value: impl Into<Vec<u8>>, what: &str) -> Result<Option<CString>, FfiError> {
    c_string(value, what).map(Some)
}

/// A result as compact JSON text.
fn json(value: &impl Serialize) -> Result<Option<CString>, FfiError> {
    let document = serde_json::to_string(value)
        .map_err(|err| FfiError::invalid_argument(format!("cannot write JSON: {err}")))?;
    // JSON escapes NUL characters, so this cannot fail.
    text(document, "the JSON text")
}

c_enum!(
    olk_msi_identity_field,
    [
        OLK_MSI_IDENTITY_PRODUCT_CODE,
        OLK_MSI_IDENTITY_PRODUCT_VERSION,
        OLK_MSI_IDENTITY_UPGRADE_CODE,
        OLK_MSI_IDENTITY_PRODUCT_NAME,
        OLK_MSI_IDENTITY_MANUFACTURER,
        OLK_MSI_IDENTITY_PRODUCT_LANGUAGE,
        OLK_MSI_IDENTITY_PACKAGE_CODE,
        OLK_MSI_IDENTITY_ARCHITECTURE,
        OLK_MSI_IDENTITY_LANGUAGES,
        OLK_MSI_IDENTITY_MINIMUM_INSTALLER_VERSION
    ]
);
c_enum!(
    olk_msi_scope,
    [OLK_MSI_SCOPE_ALL, OLK_MSI_SCOPE_MACHINE, OLK_MSI_SCOPE_USER]
);
c_enum!(
    olk_msi_context,
    [
        OLK_MSI_CONTEXT_USER_MANAGED,
        OLK_MSI_CONTEXT_USER_UNMANAGED,
        OLK_MSI_CONTEXT_MACHINE
    ]
);

fn guid_arg(text: &str, name: &str) -> Result<Guid, FfiError> {
    Guid::parse(text).map_err(|err| FfiError::invalid_argument(format!("argument `{name}`: {err}")))
}

/// The element `index` of a list of `count` `what`s, or `OLK_OUT_OF_RANGE`.
fn nth<T>(items: Vec<T>, index: usize, what: &str) -> Result<T, FfiError> {
    let count = items.len();
    items.into_iter().nth(index).ok_or_else(|| {
        FfiError::out_of_range(format!(
            "{what} index {index} is out of range: there are {count}"
        ))
    })
}

fn kind_code(kind: PackageKind) -> olk_msi_kind {
    match kind {
        PackageKind::Database => olk_msi_kind::OLK_MSI_KIND_DATABASE,
        PackageKind::MergeModule => olk_msi_kind::OLK_MSI_KIND_MERGE_MODULE,
        PackageKind::Transform => olk_msi_kind::OLK_MSI_KIND_TRANSFORM,
        PackageKind::Patch => olk_msi_kind::OLK_MSI_KIND_PATCH,
    }
}

/// Writes a column's name and IDT type (`s72`, `I2`, `V0`...).
fn write_column(
    name_out: Out<*mut c_char>,
    type_out: Out<*mut c_char>,
    name: &str,
    ty: olkit_msi_query::ColumnType,
) -> Result<(), FfiError> {
    let name = c_string(name, "the column name")?;
    let ty = c_string(olkit_msi_query::idt_column_type(ty), "the column type")?;
    name_out.write_string(name);
    type_out.write_string(ty);
    Ok(())
}

// ---------------------------------------------------------------------------
// Packages

impl olk_msi_package {
    fn new(package: Package) -> NewHandle<olk_msi_package> {
        NewHandle(olk_msi_package {
            package: Arc::new(package),
        })
    }
}

/// Opens the package at `path` (UTF-8) and returns a new handle in `*out`,
/// to be released with `olk_msi_package_free`. Only the container's
/// directory and the string pool are read now; tables when first used.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_IO` (the file
/// cannot be read), `OLK_MSI_CONTAINER`, `OLK_MSI_NOT_A_PACKAGE`,
/// `OLK_MSI_CORRUPT`, `OLK_MSI_TOO_LARGE` (the messages start with the
/// path).
///
/// # Safety
///
/// `path` must be NULL or NUL-terminated; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_open(
    path: *const c_char,
    out: *mut *mut olk_msi_package,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_args(
            || path_arg(path, "path"),
            out,
            |path| {
                let package = Package::open(path).map_err(|err| about_file(err, path))?;
                Ok(olk_msi_package::new(package))
            },
        )
    }
}

/// A package error, with the path in front unless it names it already.
fn about_file(err: Error, path: &Path) -> FfiError {
    match err {
        Error::Io { .. } => FfiError::from(err),
        _ => FfiError::from(err).context(&path.display().to_string()),
    }
}

/// Opens the package held in the `len` bytes at `data` (copied) and
/// returns a new handle in `*out`, to be released with
/// `olk_msi_package_free`.
///
/// Errors: `OLK_NULL_ARGUMENT` (`data` with `len` > 0, or `out`),
/// `OLK_MSI_CONTAINER` (not a compound file, truncated...),
/// `OLK_MSI_NOT_A_PACKAGE`, `OLK_MSI_CORRUPT`, `OLK_MSI_TOO_LARGE`.
///
/// # Safety
///
/// `data` must be NULL or readable for `len` bytes; `out` must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_open_bytes(
    data: *const u8,
    len: usize,
    out: *mut *mut olk_msi_package,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_args(
            || bytes_arg(data, len, "data"),
            out,
            |data| Ok(olk_msi_package::new(Package::from_bytes(data.to_vec())?)),
        )
    }
}

/// Releases a package handle. NULL is a no-op. Views, records and
/// identities made from it stay valid. Does not change the last error.
///
/// # Safety
///
/// `package` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_free(package: *mut olk_msi_package) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(package) }
}

/// Stores the package's kind in `*out`: one of `olk_msi_kind`.
///
/// # Safety
///
/// `package` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_kind(
    package: *const olk_msi_package,
    out: *mut u32,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(package, "package", out, |p| {
            Ok(kind_code(p.package.kind()) as u32)
        })
    }
}

/// Stores the code page of the package's strings in `*out` (0 for a
/// neutral package, 1252, 65001...).
///
/// # Safety
///
/// `package` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_codepage(
    package: *const olk_msi_package,
    out: *mut u32,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { export(package, "package", out, |p| Ok(p.package.codepage())) }
}

/// Stores in `*out` the number of stored tables (the virtual `_Tables`,
/// `_Columns`, `_Streams` and `_Storages` are not counted).
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_MSI_CORRUPT` (an unreadable catalog).
///
/// # Safety
///
/// `package` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_table_count(
    package: *const olk_msi_package,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(package, "package", out, |p| {
            Ok(p.package.table_names()?.len())
        })
    }
}

/// Stores in `*out` the name of stored table `index` (0-based, in
/// `_Tables` order), to be freed with `olk_string_free`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`, `OLK_MSI_CORRUPT`.
///
/// # Safety
///
/// `package` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_table_name(
    package: *const olk_msi_package,
    index: usize,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(package, "package", out, |p| {
            text(
                nth(p.package.table_names()?, index, "table")?,
                "the table name",
            )
        })
    }
}

/// Stores in `*out` the number of columns of table `table` (stored or
/// virtual), without reading its rows.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_MSI_NO_SUCH_TABLE`,
/// `OLK_MSI_CORRUPT`.
///
/// # Safety
///
/// `package` must be NULL or a live handle; `table` must be NULL or
/// NUL-terminated; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_column_count(
    package: *const olk_msi_package,
    table: *const c_char,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(package, "package", out, |p| {
            // SAFETY: the caller guarantees `table` is NULL or NUL-terminated.
            let table = str_arg(table, "table")?;
            Ok(p.package.columns(table)?.len())
        })
    }
}

/// Describes column `index` (0-based, in column order) of table `table`:
/// `*name`, and `*type`, its IDT type as `msiinfo export` writes it (`s72`
/// string, `l0` localizable string, `i2`/`i4` integer, `v0` stream; upper
/// case when the column accepts NULL), both to be freed with
/// `olk_string_free`; `*is_key`, 1 for a primary key column, else 0.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_OUT_OF_RANGE`,
/// `OLK_MSI_NO_SUCH_TABLE`, `OLK_MSI_CORRUPT`.
///
/// # Safety
///
/// `package` must be NULL or a live handle; `table` must be NULL or
/// NUL-terminated; the outputs must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_column(
    package: *const olk_msi_package,
    table: *const c_char,
    index: usize,
    name: *mut *mut c_char,
    r#type: *mut *mut c_char,
    is_key: *mut u8,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `package` is NULL or a live handle
        // and `table` NULL or NUL-terminated.
        let (package, table) =
            unsafe { (handle_arg(package, "package")?, str_arg(table, "table")?) };
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (name, ty, is_key) = unsafe {
            (
                Out::new(name, "name")?,
                Out::new(r#type, "type")?,
                Out::new(is_key, "is_key")?,
            )
        };
        let column = nth(package.package.columns(table)?, index, "column")?;
        write_column(name, ty, &column.name, column.ty)?;
        is_key.write(u8::from(column.ty.is_key()));
        Ok(())
    })
}

/// Stores in `*out` the value of property `name` of the `Property` table,
/// to be freed with `olk_string_free`; NULL (and `OLK_OK`) when the package
/// has no such property. Reads only the `Property` table.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_MSI_CORRUPT`.
///
/// # Safety
///
/// `package` must be NULL or a live handle; `name` must be NULL or
/// NUL-terminated; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_property(
    package: *const olk_msi_package,
    name: *const c_char,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(package, "package", out, |p| {
            // SAFETY: the caller guarantees `name` is NULL or NUL-terminated.
            let name = str_arg(name, "name")?;
            match p.package.property(name)? {
                Some(value) => text(value, "the property value"),
                None => Ok(None),
            }
        })
    }
}

/// Reads the stream `name` of the package (its decoded name, as `_Streams`
/// lists it: `Binary.Logo`, `\x05SummaryInformation`) into `*data` /
/// `*len`, to be freed with `olk_bytes_free(*data, *len)`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_MSI_NO_SUCH_STREAM`,
/// `OLK_MSI_CONTAINER`, `OLK_MSI_TOO_LARGE`.
///
/// # Safety
///
/// `package` must be NULL or a live handle; `name` must be NULL or
/// NUL-terminated; `data` and `len` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_read_stream(
    package: *const olk_msi_package,
    name: *const c_char,
    data: *mut *mut u8,
    len: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_bytes(package, "package", data, len, |p| {
            // SAFETY: the caller guarantees `name` is NULL or NUL-terminated.
            let name = str_arg(name, "name")?;
            Ok(p.package.read_stream(name)?)
        })
    }
}

/// Stores in `*data` / `*len` table `table` as IDT text, byte for byte what
/// `msiinfo export PACKAGE TABLE` writes (CR LF line ends, UTF-8), to be
/// freed with `olk_bytes_free(*data, *len)`. `table` may be a stored
/// table, `_Tables`, `_Columns`, `_Streams`, `_Storages`, or the
/// pseudo-tables `_SummaryInformation` and `_ForceCodepage`. Stream cells
/// are written as the stream's name (read the stream with
/// `olk_msi_package_read_stream`).
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_MSI_NO_SUCH_TABLE`,
/// `OLK_MSI_CORRUPT`.
///
/// # Safety
///
/// `package` must be NULL or a live handle; `table` must be NULL or
/// NUL-terminated; `data` and `len` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_export_table(
    package: *const olk_msi_package,
    table: *const c_char,
    data: *mut *mut u8,
    len: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_bytes(package, "package", data, len, |p| {
            // SAFETY: the caller guarantees `table` is NULL or NUL-terminated.
            let table = str_arg(table, "table")?;
            let mut idt = Vec::new();
            olkit_msi_query::export_table(&p.package, table, &mut idt)?;
            Ok(idt)
        })
    }
}

/// The names Microsoft's documentation gives the summary properties, by
/// property id.
const SUMMARY_NAMES: [&str; 20] = [
    "",
    "Codepage",
    "Title",
    "Subject",
    "Author",
    "Keywords",
    "Comments",
    "Template",
    "LastSavedBy",
    "RevisionNumber",
    "EditTime",
    "LastPrinted",
    "CreateTime",
    "LastSaveTime",
    "PageCount",
    "WordCount",
    "CharacterCount",
    "Thumbnail",
    "CreatingApplication",
    "Security",
];

/// Stores in `*out` the package's summary information as UTF-8 JSON, to be
/// freed with `olk_string_free`: an array with one object per property
/// present, in stored order,
/// `[{"id":2,"name":"Title","value":"Installation Database"}, ...]`.
/// `name` is the documented name (`Codepage`, `Title`, `Subject`, `Author`,
/// `Keywords`, `Comments`, `Template`, `LastSavedBy`, `RevisionNumber` (the
/// package code), `LastPrinted`, `CreateTime`, `LastSaveTime`, `PageCount`
/// (the minimum installer version), `WordCount`, `CharacterCount`,
/// `CreatingApplication`, `Security`; `Unknown` for other ids); `value` is a
/// string, a number, a date as a UTC `YYYY-MM-DDTHH:MM:SSZ` string, or null
/// for an empty property. The same shape as `olkit msi info --json`'s
/// `summary`. A package without summary information gives `[]`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_MSI_CORRUPT`.
///
/// # Safety
///
/// `package` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_summary_json(
    package: *const olk_msi_package,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(package, "package", out, |p| {
            let summary = p.package.summary_info()?;
            let properties: Vec<serde_json::Value> = summary
                .properties()
                .iter()
                .map(|(id, value)| {
                    let value = match value {
                        SummaryValue::Empty => serde_json::Value::Null,
                        // Stored as a signed 16-bit value: 65001 reads back as 65001.
                        SummaryValue::I2(_) if *id == 1 => summary.codepage().into(),
                        SummaryValue::I2(n) => (*n).into(),
                        SummaryValue::I4(n) => (*n).into(),
                        SummaryValue::Str(s) => s.as_str().into(),
                        SummaryValue::FileTime(t) => t.to_iso8601().into(),
                    };
                    let name = usize::try_from(*id)
                        .ok()
                        .and_then(|i| SUMMARY_NAMES.get(i))
                        .filter(|n| !n.is_empty())
                        .unwrap_or(&"Unknown");
                    serde_json::json!({"id": id, "name": name, "value": value})
                })
                .collect();
            json(&properties)
        })
    }
}

// ---------------------------------------------------------------------------
// Product identity

/// Reads the product identity of the package in one call (the
/// `ProductCode`, `ProductVersion`, `UpgradeCode`, `ProductName`,
/// `Manufacturer` and `ProductLanguage` properties and the summary
/// information's package code, Template and minimum installer version;
/// no other table is read) and returns it in `*out`, to be read with
/// `olk_msi_identity_get` and released with `olk_msi_identity_free`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_MSI_INVALID_VALUE` (a value that is
/// present but malformed, such as a ProductVersion over 255.255.65535; the
/// message names it), `OLK_MSI_CORRUPT`.
///
/// # Safety
///
/// `package` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_identity(
    package: *const olk_msi_package,
    out: *mut *mut olk_msi_identity,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(package, "package", out, |p| {
            Ok(NewHandle(olk_msi_identity {
                identity: p.package.identity()?,
            }))
        })
    }
}

/// Releases an identity. NULL is a no-op. Does not change the last error.
///
/// # Safety
///
/// `identity` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_identity_free(identity: *mut olk_msi_identity) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(identity) }
}

/// Stores in `*out` one value of the identity (`field`, one of
/// `olk_msi_identity_field`) as text, to be freed with `olk_string_free`;
/// NULL (and `OLK_OK`) when the package does not have it (a merge module
/// has no ProductCode, a package may have no Template...).
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_ARGUMENT` (an unknown `field`).
///
/// # Safety
///
/// `identity` must be NULL or a live handle; `out` must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_identity_get(
    identity: *const olk_msi_identity,
    field: u32,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(identity, "identity", out, |i| {
            let field = olk_msi_identity_field::from_code(field, "field")?;
            match identity_text(&i.identity, field) {
                Some(value) => text(value, "the identity value"),
                None => Ok(None),
            }
        })
    }
}

fn identity_text(identity: &ProductIdentity, field: olk_msi_identity_field) -> Option<String> {
    use olk_msi_identity_field as F;
    let guid = |g: Option<Guid>| g.map(|g| g.to_string());
    match field {
        F::OLK_MSI_IDENTITY_PRODUCT_CODE => guid(identity.product_code),
        F::OLK_MSI_IDENTITY_PRODUCT_VERSION => identity.product_version.map(|v| v.to_string()),
        F::OLK_MSI_IDENTITY_UPGRADE_CODE => guid(identity.upgrade_code),
        F::OLK_MSI_IDENTITY_PRODUCT_NAME => identity.product_name.clone(),
        F::OLK_MSI_IDENTITY_MANUFACTURER => identity.manufacturer.clone(),
        F::OLK_MSI_IDENTITY_PRODUCT_LANGUAGE => identity.product_language.map(|l| l.to_string()),
        F::OLK_MSI_IDENTITY_PACKAGE_CODE => guid(identity.package_code),
        F::OLK_MSI_IDENTITY_ARCHITECTURE => identity.architecture().map(ToString::to_string),
        F::OLK_MSI_IDENTITY_LANGUAGES => identity.template.as_ref().map(|t| {
            let languages: Vec<String> = t.languages.iter().map(u16::to_string).collect();
            languages.join(",")
        }),
        F::OLK_MSI_IDENTITY_MINIMUM_INSTALLER_VERSION => {
            identity.minimum_installer_version_string()
        }
    }
}

// ---------------------------------------------------------------------------
// Queries, views and records

/// Parses the Windows Installer SQL `SELECT` in `sql` (UTF-8) and returns it
/// in `*out`, to be run with `olk_msi_query_execute` and released with
/// `olk_msi_query_free`. The dialect is that of `MsiDatabaseOpenView`:
/// `SELECT [DISTINCT] columns | * FROM tables [WHERE ...] [ORDER BY ...]`,
/// names quoted with backquotes, strings with single quotes, `?` markers.
/// Names are not checked until the query runs against a package.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_MSI_SQL_SYNTAX`
/// (the message gives the byte offset and the token: `SQL error at byte 7
/// ("FRM"): syntax error, expected ...`), `OLK_MSI_TOO_LARGE`.
///
/// # Safety
///
/// `sql` must be NULL or NUL-terminated; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_query_prepare(
    sql: *const c_char,
    out: *mut *mut olk_msi_query,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_args(
            || str_arg(sql, "sql"),
            out,
            |sql| {
                Ok(NewHandle(olk_msi_query {
                    query: Query::prepare(sql)?,
                }))
            },
        )
    }
}

/// Releases a query. NULL is a no-op. Does not change the last error.
///
/// # Safety
///
/// `query` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_query_free(query: *mut olk_msi_query) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(query) }
}

/// Stores in `*out` the number of `?` markers of the query.
///
/// # Safety
///
/// `query` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_query_marker_count(
    query: *const olk_msi_query,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { export(query, "query", out, |q| Ok(q.query.marker_count())) }
}

/// Runs the query against `package`, binding its `?` markers in order to
/// fields 1, 2... of `params` (NULL, integer or string fields; a string
/// compared with an integer column is read as a decimal number, as Windows
/// does), and returns the rows in `*out`, to be read with
/// `olk_msi_view_fetch` and released with `olk_msi_view_free`. `params`
/// may be NULL for a query without markers; fields beyond the markers are
/// ignored. Rows, their order and the errors are those of Windows
/// Installer (libmsi).
///
/// Errors: `OLK_NULL_ARGUMENT` (`query`, `package`, `out`),
/// `OLK_MSI_MARKER_COUNT` (`params` has fewer fields than the query has
/// markers), `OLK_INVALID_ARGUMENT` (a stream field in `params`),
/// `OLK_MSI_NO_SUCH_TABLE`, `OLK_MSI_SQL_INVALID` (unknown column, `<` on a
/// string column...; the message says where), `OLK_MSI_TOO_LARGE`,
/// `OLK_MSI_CORRUPT`.
///
/// # Safety
///
/// `query`, `package` and `params` must each be NULL or a live handle;
/// `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_query_execute(
    query: *const olk_msi_query,
    package: *const olk_msi_package,
    params: *const olk_msi_record,
    out: *mut *mut olk_msi_view,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        let handles = || {
            let query = handle_arg(query, "query")?;
            Ok((query, handle_arg(package, "package")?, params.as_ref()))
        };
        export_args(handles, out, |(query, package, params)| {
            let params = bound_params(&query.query, params)?;
            let view = View::open(&*package.package, &query.query, &params)?;
            Ok(NewHandle(olk_msi_view {
                view,
                package: Arc::clone(&package.package),
                next: 0,
            }))
        })
    }
}

/// The parameters `record` binds to the query's markers.
fn bound_params(query: &Query, record: Option<&olk_msi_record>) -> Result<Vec<Param>, FfiError> {
    let fields = record.map_or(&[][..], |r| &r.fields);
    let markers = query.marker_count();
    if fields.len() < markers {
        return Err(FfiError::new(
            OLK_MSI_MARKER_COUNT,
            format!(
                "the query has {markers} ? markers but the parameter record has {} fields",
                fields.len()
            ),
        ));
    }
    fields
        .iter()
        .enumerate()
        .map(|(i, field)| match field {
            Field::Null => Ok(Param::Null),
            Field::Int(n) => Ok(Param::Int(*n)),
            Field::Str(s) => Ok(Param::Str(s.clone())),
            Field::Stream(_) => Err(FfiError::invalid_argument(format!(
                "parameter field {} holds a stream: a parameter is NULL, an integer or a string",
                i + 1
            ))),
        })
        .collect()
}

/// Releases a view. NULL is a no-op. Records fetched from it stay valid.
/// Does not change the last error.
///
/// # Safety
///
/// `view` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_view_free(view: *mut olk_msi_view) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(view) }
}

/// Stores in `*out` the number of result columns (fields of each row).
///
/// # Safety
///
/// `view` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_view_column_count(
    view: *const olk_msi_view,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { export(view, "view", out, |v| Ok(v.view.columns().len())) }
}

/// Describes result column `field` (from 1, as record fields): `*name`
/// ("" for a `''` column of NULLs) and `*type`, its IDT type (`s72`, `I2`,
/// `v0`...; `f0` for a `''` column), both to be freed with
/// `olk_string_free`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE` (`field` is 0 or over
/// the column count).
///
/// # Safety
///
/// `view` must be NULL or a live handle; `name` and `type` must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_view_column(
    view: *const olk_msi_view,
    field: usize,
    name: *mut *mut c_char,
    r#type: *mut *mut c_char,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `view` is NULL or a live handle.
        let view = unsafe { handle_arg(view, "view") }?;
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (name, ty) = unsafe { (Out::new(name, "name")?, Out::new(r#type, "type")?) };
        let column = numbered(view.view.columns(), field, "column")?;
        write_column(name, ty, &column.name, column.ty)
    })
}

/// Stores in `*out` the number of rows of the view (fetched or not).
///
/// # Safety
///
/// `view` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_view_row_count(
    view: *const olk_msi_view,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { export(view, "view", out, |v| Ok(v.view.len())) }
}

/// Fetches the next row (`MsiViewFetch`) as a new record in `*out`, to be
/// released with `olk_msi_record_free`. After the last row it returns
/// `OLK_MSI_NO_MORE_ROWS` (and leaves `*out` alone) however often it is
/// called. Stream fields can be read from the record as long as it lives.
///
/// # Safety
///
/// `view` must be NULL or a live handle used by no other thread; `out`
/// must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_view_fetch(
    view: *mut olk_msi_view,
    out: *mut *mut olk_msi_record,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_args(
            || handle_arg_mut(view, "view"),
            out,
            |view| {
                let row = view.view.row(view.next).ok_or_else(|| {
                    FfiError::new(
                        OLK_MSI_NO_MORE_ROWS,
                        format!(
                            "no more rows: all {} rows have been fetched",
                            view.view.len()
                        ),
                    )
                })?;
                let fields = (0..row.len())
                    .map(|i| match row.get(i) {
                        None | Some(Value::Null) => Field::Null,
                        Some(Value::Int(n)) => Field::Int(n),
                        Some(Value::Str(s)) => Field::Str(s.to_owned()),
                        Some(Value::Stream) => {
                            row.stream_name(i).map_or(Field::Null, Field::Stream)
                        }
                    })
                    .collect();
                view.next += 1;
                Ok(NewHandle(olk_msi_record {
                    fields,
                    package: Some(Arc::clone(&view.package)),
                }))
            },
        )
    }
}

/// A record field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Null,
    Int(i32),
    Str(String),
    /// A stream, by its name in the package.
    Stream(String),
}

impl Field {
    fn type_name(&self) -> &'static str {
        match self {
            Field::Null => "NULL",
            Field::Int(_) => "an integer",
            Field::Str(_) => "a string",
            Field::Stream(_) => "a stream",
        }
    }
}

fn field_range_error(field: usize, count: usize, what: &str) -> FfiError {
    FfiError::out_of_range(format!(
        "{what} {field} is out of range: there are {count}, numbered from 1"
    ))
}

/// Item `field` (numbered from 1) of `items`, or `OLK_OUT_OF_RANGE`.
fn numbered<'a, T>(items: &'a [T], field: usize, what: &str) -> Result<&'a T, FfiError> {
    let count = items.len();
    field
        .checked_sub(1)
        .and_then(|index| items.get(index))
        .ok_or_else(|| field_range_error(field, count, what))
}

impl olk_msi_record {
    fn field(&self, field: usize) -> Result<&Field, FfiError> {
        numbered(&self.fields, field, "field")
    }

    fn mismatch(field: usize, found: &Field, wanted: &str) -> FfiError {
        FfiError::new(
            OLK_MSI_TYPE_MISMATCH,
            format!("field {field} is {}, not {wanted}", found.type_name()),
        )
    }
}

/// Creates a record of `field_count` fields, all NULL (`MsiCreateRecord`),
/// in `*out`, to be released with `olk_msi_record_free`: the parameters of
/// a query with markers.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE` (more than 65535 fields).
///
/// # Safety
///
/// `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_record_new(
    field_count: usize,
    out: *mut *mut olk_msi_record,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_args(
            || Ok(()),
            out,
            |()| {
                if field_count > MAX_RECORD_FIELDS {
                    return Err(FfiError::out_of_range(format!(
                        "a record has at most {MAX_RECORD_FIELDS} fields, not {field_count}"
                    )));
                }
                Ok(NewHandle(olk_msi_record {
                    fields: vec![Field::Null; field_count],
                    package: None,
                }))
            },
        )
    }
}

/// Releases a record. NULL is a no-op. Does not change the last error.
///
/// # Safety
///
/// `record` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_record_free(record: *mut olk_msi_record) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(record) }
}

/// Stores in `*out` the number of fields of the record.
///
/// # Safety
///
/// `record` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_record_field_count(
    record: *const olk_msi_record,
    out: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { export(record, "record", out, |r| Ok(r.fields.len())) }
}

/// The body of the setters: field `field` of `record` becomes `value()`.
///
/// # Safety
///
/// `record` must be NULL or a live handle used by no other thread.
unsafe fn set_field(
    record: *mut olk_msi_record,
    field: usize,
    value: impl FnOnce() -> Result<Field, FfiError>,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees `record` is NULL or a live handle
        // used by no other thread.
        let record = unsafe { handle_arg_mut(record, "record") }?;
        let count = record.fields.len();
        let slot = field
            .checked_sub(1)
            .and_then(|index| record.fields.get_mut(index))
            .ok_or_else(|| field_range_error(field, count, "field"))?;
        *slot = value()?;
        Ok(())
    })
}

/// Sets field `field` (from 1) to NULL.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `record` must be NULL or a live handle used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_record_set_null(
    record: *mut olk_msi_record,
    field: usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { set_field(record, field, || Ok(Field::Null)) }
}

/// Sets field `field` (from 1) to the integer `value`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `record` must be NULL or a live handle used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_record_set_int(
    record: *mut olk_msi_record,
    field: usize,
    value: i32,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { set_field(record, field, || Ok(Field::Int(value))) }
}

/// Sets field `field` (from 1) to the string `value` (UTF-8, copied); the
/// empty string makes the field NULL, as `MsiRecordSetString` does.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `record` must be NULL or a live handle used by no other thread; `value`
/// must be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_record_set_string(
    record: *mut olk_msi_record,
    field: usize,
    value: *const c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        set_field(record, field, || {
            // SAFETY: the caller guarantees `value` is NULL or NUL-terminated.
            let value = str_arg(value, "value")?;
            Ok(if value.is_empty() {
                Field::Null
            } else {
                Field::Str(value.to_owned())
            })
        })
    }
}

/// The body of the getters: `read` of field `field` of `record` into `*out`.
///
/// # Safety
///
/// `record` must be NULL or a live handle; `out` must be NULL or writable.
unsafe fn get_field<T: Output>(
    record: *const olk_msi_record,
    field: usize,
    out: *mut T::Raw,
    read: impl FnOnce(&Field) -> Result<T, FfiError>,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe { export(record, "record", out, |r| read(r.field(field)?)) }
}

/// Stores in `*out` the type of field `field` (from 1): one of
/// `olk_msi_field_type`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `record` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_record_field_type(
    record: *const olk_msi_record,
    field: usize,
    out: *mut u32,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        get_field(record, field, out, |value| {
            let ty = match value {
                Field::Null => olk_msi_field_type::OLK_MSI_FIELD_NULL,
                Field::Int(_) => olk_msi_field_type::OLK_MSI_FIELD_INT,
                Field::Str(_) => olk_msi_field_type::OLK_MSI_FIELD_STRING,
                Field::Stream(_) => olk_msi_field_type::OLK_MSI_FIELD_STREAM,
            };
            Ok(ty as u32)
        })
    }
}

/// Stores in `*out` 1 if field `field` (from 1) is NULL, else 0.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`.
///
/// # Safety
///
/// `record` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_record_is_null(
    record: *const olk_msi_record,
    field: usize,
    out: *mut u8,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        get_field(record, field, out, |value| {
            Ok(u8::from(*value == Field::Null))
        })
    }
}

/// Stores in `*out` the integer in field `field` (from 1).
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`, `OLK_MSI_TYPE_MISMATCH`
/// (the field is NULL, a string or a stream).
///
/// # Safety
///
/// `record` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_record_get_int(
    record: *const olk_msi_record,
    field: usize,
    out: *mut i32,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        get_field(record, field, out, |value| match value {
            Field::Int(n) => Ok(*n),
            other => Err(olk_msi_record::mismatch(field, other, "an integer")),
        })
    }
}

/// Stores in `*out` the string in field `field` (from 1), UTF-8, to be
/// freed with `olk_string_free`; "" for a NULL field (as
/// `MsiRecordGetString`).
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`, `OLK_MSI_TYPE_MISMATCH`
/// (an integer or stream field), `OLK_EMBEDDED_NUL`.
///
/// # Safety
///
/// `record` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_record_get_string(
    record: *const olk_msi_record,
    field: usize,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        get_field(record, field, out, |value| match value {
            Field::Null => text("", "the field"),
            Field::Str(s) => text(s.as_str(), "the string"),
            other => Err(olk_msi_record::mismatch(field, other, "a string")),
        })
    }
}

/// Stores in `*out` the name of the stream in field `field` (from 1), the
/// name `olk_msi_package_read_stream` reads it by (`Binary.Logo`), to be
/// freed with `olk_string_free`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`, `OLK_MSI_TYPE_MISMATCH`
/// (not a stream field).
///
/// # Safety
///
/// `record` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_record_stream_name(
    record: *const olk_msi_record,
    field: usize,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        get_field(record, field, out, |value| match value {
            Field::Stream(name) => text(name.as_str(), "the stream name"),
            other => Err(olk_msi_record::mismatch(field, other, "a stream")),
        })
    }
}

/// Reads the stream in field `field` (from 1) of a fetched record into
/// `*data` / `*len`, to be freed with `olk_bytes_free(*data, *len)`.
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_OUT_OF_RANGE`, `OLK_MSI_TYPE_MISMATCH`
/// (not a stream field), `OLK_MSI_NO_SUCH_STREAM`, `OLK_MSI_TOO_LARGE`.
///
/// # Safety
///
/// `record` must be NULL or a live handle; `data` and `len` must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_record_read_stream(
    record: *const olk_msi_record,
    field: usize,
    data: *mut *mut u8,
    len: *mut usize,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_bytes(record, "record", data, len, |r| {
            match (r.field(field)?, &r.package) {
                (Field::Stream(name), Some(package)) => Ok(package.read_stream(name)?),
                (other, _) => Err(olk_msi_record::mismatch(field, other, "a stream")),
            }
        })
    }
}

// ---------------------------------------------------------------------------
// Installed products and upgrades

/// Reads the Windows Installer registrations of the `.reg` export in the
/// `len` bytes at `data` (copied; any encoding regedit writes) and returns
/// them in `*out`, to be released with `olk_msi_inventory_free`. The export
/// should hold `HKLM\SOFTWARE\Classes\Installer`,
/// `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer` and the
/// per-user `Software\Microsoft\Installer` keys. Malformed registrations
/// are skipped and listed as warnings (`olk_msi_inventory_products_json`).
///
/// Errors: `OLK_NULL_ARGUMENT`, and the `.reg` file's own codes
/// (`OLK_REG_BAD_HEADER`, `OLK_REG_SYNTAX`, `OLK_REG_ENCODING`...).
///
/// # Safety
///
/// `data` must be NULL or readable for `len` bytes; `out` must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_inventory_parse(
    data: *const u8,
    len: usize,
    out: *mut *mut olk_msi_inventory,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export_args(
            || bytes_arg(data, len, "data"),
            out,
            |data| {
                Ok(NewHandle(olk_msi_inventory {
                    inventory: Inventory::from_reg_bytes(data)?,
                }))
            },
        )
    }
}

/// Releases an inventory. NULL is a no-op. Does not change the last error.
///
/// # Safety
///
/// `inventory` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_inventory_free(inventory: *mut olk_msi_inventory) {
    // SAFETY: the caller passes NULL or a live handle, and never uses it again.
    unsafe { free_handle(inventory) }
}

/// `olk_msi_inventory_products_json`'s document.
#[derive(Serialize)]
struct InventoryJson<'a> {
    current_user_sid: Option<&'a str>,
    products: Vec<&'a InstalledProduct>,
    warnings: &'a [InventoryWarning],
}

/// Stores in `*out` the registered products as UTF-8 JSON, to be freed
/// with `olk_string_free`: every product instance (`MsiEnumProductsEx` for
/// all users and contexts: per-user managed, then per-user unmanaged, then
/// per machine) or, with `upgrade_code` (a braced GUID), those registered
/// under it (`MsiEnumRelatedProducts`, in registry order). Shape:
///
/// ```text
/// {"current_user_sid": "S-1-5-21-..." | null,
///  "products": [{"product_code", "context": "machine" | "user-managed" |
///    "user-unmanaged", "user_sid", "state": "installed" | "advertised" |
///    "absent", "upgrade_codes": [...], "product_name",
///    "installed_product_name", "version", "version_string", "language",
///    "package_code", "publisher", "install_date", "install_location",
///    "install_source", "local_package", "package_name", "product_key",
///    "install_properties_key"}],
///  "warnings": [{"key", "line", "message"}]}
/// ```
///
/// (absent values are null; the same shape as `olkit msi installed
/// --json`).
///
/// Errors: `OLK_NULL_ARGUMENT` (`inventory`, `out`), `OLK_INVALID_UTF8`,
/// `OLK_INVALID_ARGUMENT` (`upgrade_code` is not a braced GUID).
///
/// # Safety
///
/// `inventory` must be NULL or a live handle; `upgrade_code` must be NULL
/// or NUL-terminated; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_inventory_products_json(
    inventory: *const olk_msi_inventory,
    upgrade_code: *const c_char,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(inventory, "inventory", out, |i| {
            // SAFETY: the caller guarantees `upgrade_code` is NULL or NUL-terminated.
            let upgrade_code = optional_str_arg(upgrade_code, "upgrade_code")?;
            let inventory = &i.inventory;
            let products = match upgrade_code {
                Some(code) => inventory.related_products(&guid_arg(code, "upgrade_code")?),
                None => inventory.products().iter().collect(),
            };
            json(&InventoryJson {
                current_user_sid: inventory.current_user_sid(),
                products,
                warnings: inventory.warnings(),
            })
        })
    }
}

/// `MsiGetProductInfoEx`: stores in `*out` property `property` of product
/// `product_code` (a braced GUID) in `context` (one of `olk_msi_context`),
/// for the user `user_sid` (NULL: the current user of the export; ignored
/// per machine), to be freed with `olk_string_free`. Properties:
/// `InstalledProductName`, `VersionString`, `Publisher`, `InstallDate`,
/// `LocalPackage`, `InstallLocation`, `InstallSource`, `HelpLink`...
/// (installed products), `ProductName`, `Language`, `Version`,
/// `PackageCode`, `PackageName`... (the product key) and `State` (`5`
/// installed, `1` advertised); a value the registry lacks is "".
///
/// Errors: `OLK_NULL_ARGUMENT`, `OLK_INVALID_UTF8`, `OLK_INVALID_ARGUMENT`
/// (`product_code` or `context`), `OLK_MSI_UNKNOWN_PRODUCT`,
/// `OLK_MSI_UNKNOWN_PROPERTY`.
///
/// # Safety
///
/// `inventory` must be NULL or a live handle; the strings must be NULL or
/// NUL-terminated; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_inventory_product_info(
    inventory: *const olk_msi_inventory,
    product_code: *const c_char,
    user_sid: *const c_char,
    context: u32,
    property: *const c_char,
    out: *mut *mut c_char,
) -> olk_status {
    // SAFETY: forwarded from our caller, who guarantees the same contract.
    unsafe {
        export(inventory, "inventory", out, |i| {
            // SAFETY: the caller guarantees the strings are NULL or NUL-terminated.
            let (product_code, user_sid, property) = (
                str_arg(product_code, "product_code")?,
                optional_str_arg(user_sid, "user_sid")?,
                str_arg(property, "property")?,
            );
            let context = match olk_msi_context::from_code(context, "context")? {
                olk_msi_context::OLK_MSI_CONTEXT_USER_MANAGED => InstallContext::UserManaged,
                olk_msi_context::OLK_MSI_CONTEXT_USER_UNMANAGED => InstallContext::UserUnmanaged,
                olk_msi_context::OLK_MSI_CONTEXT_MACHINE => InstallContext::Machine,
            };
            let code = guid_arg(product_code, "product_code")?;
            let value = i
                .inventory
                .product_info(&code, user_sid, context, property)?;
            text(value, "the property value")
        })
    }
}

/// One product of `olk_msi_package_find_related_products`'s document: what
/// happens to it, then the library's verdict.
#[derive(Serialize)]
struct RelatedProductJson<'a> {
    action: &'static str,
    #[serde(flatten)]
    verdict: &'a ProductVerdict,
}

/// `olk_msi_package_find_related_products`'s document.
#[derive(Serialize)]
struct RelatedJson<'a> {
    verdict: &'static str,
    maintenance: bool,
    downgrade: bool,
    action_properties: &'a [(String, String)],
    products: Vec<RelatedProductJson<'a>>,
    rows: &'a [UpgradeRow],
}

fn verdict_of(report: &UpgradeReport) -> olk_msi_verdict {
    use olk_msi_verdict as V;
    match (report.maintenance, report.downgrade) {
        (true, _) => V::OLK_MSI_VERDICT_MAINTENANCE,
        (false, true) => V::OLK_MSI_VERDICT_DOWNGRADE,
        _ if report.removed().next().is_some() => V::OLK_MSI_VERDICT_UPGRADE,
        _ => V::OLK_MSI_VERDICT_INSTALL,
    }
}

fn verdict_name(verdict: olk_msi_verdict) -> &'static str {
    match verdict {
        olk_msi_verdict::OLK_MSI_VERDICT_INSTALL => "install",
        olk_msi_verdict::OLK_MSI_VERDICT_UPGRADE => "upgrade",
        olk_msi_verdict::OLK_MSI_VERDICT_DOWNGRADE => "downgrade",
        olk_msi_verdict::OLK_MSI_VERDICT_MAINTENANCE => "maintenance",
    }
}

fn scope_arg(scope: u32, user_sid: Option<&str>) -> Result<Scope, FfiError> {
    let scope = olk_msi_scope::from_code(scope, "scope")?;
    match (scope, user_sid) {
        (olk_msi_scope::OLK_MSI_SCOPE_USER, sid) => Ok(Scope::PerUser(sid.map(str::to_owned))),
        (_, Some(_)) => Err(FfiError::invalid_argument(
            "argument `user_sid` must be NULL unless `scope` is OLK_MSI_SCOPE_USER",
        )),
        (olk_msi_scope::OLK_MSI_SCOPE_MACHINE, None) => Ok(Scope::PerMachine),
        (olk_msi_scope::OLK_MSI_SCOPE_ALL, None) => Ok(Scope::All),
    }
}

/// FindRelatedProducts without Windows: matches the package (its
/// ProductCode, UpgradeCode, ProductVersion and Upgrade table: version
/// ranges and their inclusive bits, OnlyDetect, languages,
/// LanguagesExclusive) against the products of `inventory` that `scope`
/// (one of `olk_msi_scope`; with `OLK_MSI_SCOPE_USER`, `user_sid` NULL
/// means any user, else that user's products) lets it see. Stores in
/// `*verdict` one of `olk_msi_verdict` and in `*report` the detail as UTF-8
/// JSON, to be freed with `olk_string_free`:
///
/// ```text
/// {"verdict": "install" | "upgrade" | "downgrade" | "maintenance",
///  "maintenance": bool,  // the package's ProductCode is installed
///  "downgrade": bool,    // a newer version of the UpgradeCode is installed
///  "action_properties": [["WIX_UPGRADE_DETECTED", "{...};{...}"], ...],
///  "products": [{"action": "remove" | "detect" | "none",
///                "product": {...as olk_msi_inventory_products_json...},
///                "in_scope": bool, "matches": [{"row", "action_property",
///                "only_detect"}], "relation": "same-product" |
///                "newer-version" | "same-version" | "older-version" |
///                "unrelated"}],
///  "rows": [{"upgrade_code", "version_min", "version_max", "languages",
///            "attributes", "remove", "action_property"}]}
/// ```
///
/// `action_properties` are the properties FindRelatedProducts sets, in
/// the order it sets them; `products` has every product of the inventory,
/// in its order; `rows` is the Upgrade table (`matches[].row` indexes it).
///
/// Errors: `OLK_NULL_ARGUMENT` (`package`, `inventory`, `verdict`,
/// `report`), `OLK_INVALID_UTF8`, `OLK_INVALID_ARGUMENT` (`scope`, or a
/// `user_sid` without `OLK_MSI_SCOPE_USER`), `OLK_MSI_INVALID_VALUE` (a
/// malformed identity value or Upgrade row; the message names it),
/// `OLK_MSI_CORRUPT`.
///
/// # Safety
///
/// `package` and `inventory` must be NULL or live handles; `user_sid` must
/// be NULL or NUL-terminated; `verdict` and `report` must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn olk_msi_package_find_related_products(
    package: *const olk_msi_package,
    inventory: *const olk_msi_inventory,
    scope: u32,
    user_sid: *const c_char,
    verdict: *mut u32,
    report: *mut *mut c_char,
) -> olk_status {
    boundary(|| {
        // SAFETY: the caller guarantees the handles are NULL or live and
        // `user_sid` is NULL or NUL-terminated.
        let (package, inventory, user_sid) = unsafe {
            (
                handle_arg(package, "package")?,
                handle_arg(inventory, "inventory")?,
                optional_str_arg(user_sid, "user_sid")?,
            )
        };
        // SAFETY: the caller guarantees the outputs are NULL or writable.
        let (verdict_out, report_out) =
            unsafe { (Out::new(verdict, "verdict")?, Out::new(report, "report")?) };
        let scope = scope_arg(scope, user_sid)?;
        let result = package
            .package
            .find_related_products(inventory.inventory.products(), &scope)?;
        let verdict = verdict_of(&result);
        let document = json(&RelatedJson {
            verdict: verdict_name(verdict),
            maintenance: result.maintenance,
            downgrade: result.downgrade,
            action_properties: &result.action_properties,
            products: result
                .products
                .iter()
                .map(|verdict| RelatedProductJson {
                    action: verdict.action().as_str(),
                    verdict,
                })
                .collect(),
            rows: &result.rows,
        })?;
        verdict_out.write(verdict as u32);
        document.write_to(report_out);
        Ok(())
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::status::{describe, OLK_OK};

    #[test]
    fn every_code_is_in_the_msi_range_and_described() {
        let codes = [
            OLK_MSI_CONTAINER,
            OLK_MSI_NOT_A_PACKAGE,
            OLK_MSI_CORRUPT,
            OLK_MSI_UNSUPPORTED_CODEPAGE,
            OLK_MSI_NO_SUCH_TABLE,
            OLK_MSI_NO_SUCH_STREAM,
            OLK_MSI_TOO_LARGE,
            OLK_MSI_SQL_SYNTAX,
            OLK_MSI_SQL_INVALID,
            OLK_MSI_MARKER_COUNT,
            OLK_MSI_NO_MORE_ROWS,
            OLK_MSI_TYPE_MISMATCH,
            OLK_MSI_INVALID_VALUE,
            OLK_MSI_UNKNOWN_PRODUCT,
            OLK_MSI_UNKNOWN_PROPERTY,
        ];
        for (i, &code) in codes.iter().enumerate() {
            assert_eq!(
                usize::try_from(code - 3000).unwrap(),
                i,
                "consecutive from 3000"
            );
            assert_ne!(describe(code), c"unknown status");
        }
    }

    #[test]
    fn sql_errors_map_by_kind_and_keep_the_position() {
        let err = FfiError::from(Query::prepare("SELECT * FRM `T`").unwrap_err());
        assert_eq!(err.status(), OLK_MSI_SQL_SYNTAX);
        assert!(err.message().contains("byte 9"), "{}", err.message());
        let deep = format!(
            "SELECT * FROM T WHERE {}a = 1{}",
            "(".repeat(100),
            ")".repeat(100)
        );
        assert_eq!(
            FfiError::from(Query::prepare(&deep).unwrap_err()).status(),
            OLK_MSI_TOO_LARGE
        );
        let tables = std::collections::HashMap::<String, Arc<olkit_msi_query::Table>>::new();
        let query = Query::prepare("SELECT * FROM `Nope`").unwrap();
        let err = FfiError::from(View::open(&tables, &query, &[]).unwrap_err());
        assert_eq!(err.status(), OLK_MSI_NO_SUCH_TABLE);
    }

    #[test]
    fn corrupt_and_reg_errors_map_to_their_codes() {
        let err = FfiError::from(Package::from_bytes(b"not a package".to_vec()).unwrap_err());
        assert_eq!(err.status(), OLK_MSI_CONTAINER);
        let err = FfiError::from(Inventory::from_reg_bytes(b"REGEDIT9\r\n").unwrap_err());
        assert_eq!(err.status(), crate::regfile::OLK_REG_BAD_HEADER);
        let err = FfiError::from(Guid::parse("{nope}").unwrap_err());
        assert_eq!(err.status(), OLK_MSI_INVALID_VALUE);
    }

    #[test]
    fn params_must_cover_the_markers() {
        let query = Query::prepare("SELECT * FROM `T` WHERE `A` = ? AND `B` = ?").unwrap();
        let record = |fields| olk_msi_record {
            fields,
            package: None,
        };
        let one = record(vec![Field::Int(1)]);
        assert_eq!(
            bound_params(&query, Some(&one)).unwrap_err().status(),
            OLK_MSI_MARKER_COUNT
        );
        assert_eq!(
            bound_params(&query, None).unwrap_err().status(),
            OLK_MSI_MARKER_COUNT
        );
        let three = record(vec![Field::Int(1), Field::Null, Field::Str("x".into())]);
        assert_eq!(
            bound_params(&query, Some(&three)).unwrap(),
            [Param::Int(1), Param::Null, Param::Str("x".into())]
        );
        let stream = record(vec![Field::Stream("s".into()), Field::Null]);
        assert_eq!(
            bound_params(&query, Some(&stream)).unwrap_err().status(),
            OLK_INVALID_ARGUMENT
        );
    }

    #[test]
    fn records_are_numbered_from_one_and_typed() {
        let mut raw: *mut olk_msi_record = std::ptr::null_mut();
        // SAFETY: a valid output.
        assert_eq!(unsafe { olk_msi_record_new(2, &mut raw) }, OLK_OK);
        // SAFETY: a live record, used by this thread only.
        unsafe {
            assert_eq!(olk_msi_record_set_int(raw, 1, -5), OLK_OK);
            assert_eq!(olk_msi_record_set_string(raw, 2, c"".as_ptr()), OLK_OK);
            assert_eq!(
                olk_msi_record_set_int(raw, 0, 1),
                crate::status::OLK_OUT_OF_RANGE
            );
            assert_eq!(
                olk_msi_record_set_int(raw, 3, 1),
                crate::status::OLK_OUT_OF_RANGE
            );
        }
        let (mut number, mut null) = (0, 9);
        // SAFETY: a live record and valid outputs.
        unsafe {
            assert_eq!(olk_msi_record_get_int(raw, 1, &mut number), OLK_OK);
            assert_eq!(olk_msi_record_is_null(raw, 2, &mut null), OLK_OK);
            assert_eq!(
                olk_msi_record_get_int(raw, 2, &mut number),
                OLK_MSI_TYPE_MISMATCH
            );
        }
        assert_eq!((number, null), (-5, 1), "the empty string is NULL");
        // SAFETY: the live record, freed once.
        unsafe { olk_msi_record_free(raw) };
    }

    #[test]
    fn enum_arguments_are_checked() {
        assert_eq!(
            olk_msi_scope::from_code(2, "scope").unwrap(),
            olk_msi_scope::OLK_MSI_SCOPE_MACHINE
        );
        let err = olk_msi_scope::from_code(0, "scope").unwrap_err();
        assert_eq!(err.status(), OLK_INVALID_ARGUMENT);
        assert!(err.message().contains("olk_msi_scope"), "{}", err.message());
        assert!(scope_arg(1, Some("S-1-5-18")).is_err());
        assert_eq!(
            scope_arg(3, Some("S-1-5-18")).unwrap(),
            Scope::PerUser(Some("S-1-5-18".into()))
        );
        for context in olk_msi_context::ALL {
            let installed = [
                InstallContext::UserManaged,
                InstallContext::UserUnmanaged,
                InstallContext::Machine,
            ];
            assert!(installed.iter().any(|c| c.bit() == context.code()));
        }
        assert_eq!(olkit_msi_query::Contexts::ALL.0, 7);
    }
}
