//! Windows Installer databases (`.msi`, `.msm`, `.mst`, `.msp`) on any OS:
//! tables, Windows Installer SQL, IDT export, product identity, upgrade
//! matching and the installed-product inventory of a `.reg` export.
//!
//! Opening is cheap: tables are decoded when first asked for, and
//! [`Package::property`] reads only the string pool and the Property table.
//! Queries follow the dialect and row order of Windows Installer SQL as
//! libmsi (Wine's engine) implements it; [`export_table`] writes what
//! `msiinfo export` writes, byte for byte.
//!
//! ```
//! use olkit_msi_query::{Inventory, Package, Param, Scope, UpgradeAction, Value};
//!
//! let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
//! let package = Package::open(format!("{examples}/olkit-sample.msi"))?;
//! assert_eq!(package.property("ProductVersion")?.as_deref(), Some("1.5.0"));
//!
//! let identity = package.identity()?;
//! assert_eq!(identity.product_name.as_deref(), Some("Olkit Sample"));
//!
//! // Windows Installer SQL, with a `?` marker bound from a record.
//! let view = package.query_with(
//!     "SELECT `Name`, `Value` FROM `Registry` WHERE `Name` = ? ORDER BY `Registry`",
//!     &[Param::from("LoadBehavior")],
//! )?;
//! let row = view.rows().next().expect("one row");
//! assert_eq!(row.get(1), Some(Value::Str("#3")));
//!
//! // What installing it would do on a machine whose registry was exported.
//! let inventory = Inventory::read(format!("{examples}/installed-products.reg"))?;
//! let report = package.find_related_products(inventory.products(), &Scope::PerMachine)?;
//! assert!(!report.downgrade);
//! assert!(report.products.iter().any(|p| p.action() == UpgradeAction::Remove));
//! # Ok::<(), olkit_msi_query::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod model;

// -- reading packages (container, string pool, tables, summary information)
mod container;
mod package;
mod pool;
mod streamname;
mod summary;

pub use container::ReadSeek;
pub use package::{OpenOptions, Package, PackageKind};
pub use streamname::{decode_stream_name, encode_stream_name};
pub use summary::{pid, FileTime, SummaryInfo, SummaryValue};

// -- Windows Installer SQL
pub mod sql;
pub use sql::{Param, Query, SqlError, SqlErrorKind, TableSource, View};

// -- IDT export
mod idt;
pub use idt::{
    export_all, export_table, export_table_names, export_table_with_streams, idt_column_type,
    ExportReport, FORCE_CODEPAGE, STREAMS_DIR, SUMMARY_INFORMATION,
};

// -- products, versions, upgrades, inventory
mod guid;
mod identity;
mod inventory;
mod upgrade;
mod version;
pub use guid::Guid;
pub use identity::{Architecture, ProductIdentity, Template};
pub use inventory::{
    Contexts, InstallContext, InstalledProduct, Inventory, InventoryWarning, PlanningRow,
    ProductState, UserFilter, MACHINE_SID,
};
pub use upgrade::{
    find_related_products, ProductVerdict, Relation, Scope, UpgradeAction, UpgradeAttributes,
    UpgradeMatch, UpgradeReport, UpgradeRow,
};
pub use version::ProductVersion;

pub use error::Error;
pub use model::{decode_cell, encode_int, Column, ColumnType, StringPool, Table, Value};

/// This crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
