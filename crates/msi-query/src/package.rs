//! An opened installer package: kind, code page, the table catalog
//! (`_Tables`, `_Columns`), tables decoded on demand, streams, storages and
//! the summary information.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::container::{Container, ReadSeek};
use crate::model::{Column, ColumnType, StringPool, Table};
use crate::pool::RawPool;
use crate::streamname::{table_stream_name, TABLE_PREFIX};
use crate::summary::SummaryInfo;
use crate::{Error, Result};

/// What kind of Windows Installer file a package is, from its root storage
/// CLSID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackageKind {
    /// An installation database (`.msi`), CLSID
    /// `{000C1084-0000-0000-C000-000000000046}`.
    Database,
    /// A merge module (`.msm`): a database with a `ModuleSignature` table.
    MergeModule,
    /// A transform (`.mst`), CLSID `{000C1082-0000-0000-C000-000000000046}`.
    /// Its table streams hold differences, not rows.
    Transform,
    /// A patch (`.msp`), CLSID `{000C1086-0000-0000-C000-000000000046}`.
    Patch,
}

const CLSID_DATABASE: &str = "{000C1084-0000-0000-C000-000000000046}";
const CLSID_TRANSFORM: &str = "{000C1082-0000-0000-C000-000000000046}";
const CLSID_PATCH: &str = "{000C1086-0000-0000-C000-000000000046}";

/// Limits applied while reading a package, so that a crafted file cannot
/// make the reader allocate without bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Largest stream read whole (tables, [`Package::read_stream`]), in
    /// bytes. Default 1 GiB.
    pub max_stream_bytes: u64,
    /// Largest `_StringPool` plus `_StringData`, in bytes. Default 512 MiB.
    pub max_pool_bytes: u64,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            max_stream_bytes: 1 << 30,
            max_pool_bytes: 512 << 20,
        }
    }
}

/// The stored table catalog: names in `_Tables` order and each table's
/// columns from `_Columns`.
#[derive(Debug, Default)]
struct Catalog {
    names: Vec<String>,
    /// Columns by table, in `Number` order; `Err` holds why a table's
    /// definitions are unusable (reported when that table is asked for).
    columns: HashMap<String, std::result::Result<Vec<Column>, String>>,
}

/// An opened Windows Installer package (`.msi`, `.msm`, `.mst`, `.msp`).
///
/// Opening reads the container's directory and the raw string pool only;
/// tables are decoded when first asked for and then cached. A `Package` is
/// `Send + Sync`.
///
/// ```no_run
/// use olkit_msi_query::{Package, Value};
///
/// let package = Package::open("product.msi")?;
/// let version = package.property("ProductVersion")?; // reads no whole table
/// let files = package.table("File")?;
/// let name = files.column_index("FileName").unwrap_or(0);
/// for row in 0..files.row_count() {
///     if let Some(Value::Str(file)) = files.value(row, name) {
///         println!("{file}");
///     }
/// }
/// println!("{version:?} {:?}", package.summary_info()?.package_code());
/// # Ok::<(), olkit_msi_query::Error>(())
/// ```
pub struct Package {
    container: Mutex<Container>,
    kind: PackageKind,
    options: OpenOptions,
    raw_pool: RawPool,
    pool: Mutex<Option<Arc<StringPool>>>,
    catalog: Mutex<Option<Arc<Catalog>>>,
    tables: Mutex<HashMap<String, Arc<Table>>>,
}

impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("kind", &self.kind)
            .field("codepage", &self.codepage())
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves only caches behind,
    // which stay consistent (entries are inserted whole).
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn string_type(size: u16, key: bool) -> ColumnType {
    let mut bits = ColumnType::VALID | ColumnType::STRING | size;
    if key {
        bits |= ColumnType::KEY;
    }
    ColumnType::from_bits(bits)
}

fn column(name: &str, number: u16, ty: ColumnType) -> Column {
    Column {
        name: name.to_owned(),
        number,
        ty,
    }
}

/// `_Tables` as Windows and libmsi define it.
fn tables_columns() -> Vec<Column> {
    vec![column("Name", 1, string_type(64, true))]
}

/// `_Columns` as Windows and libmsi define it.
fn columns_columns() -> Vec<Column> {
    vec![
        column("Table", 1, string_type(64, true)),
        column(
            "Number",
            2,
            ColumnType::from_bits(ColumnType::VALID | ColumnType::KEY | 2),
        ),
        column("Name", 3, string_type(64, false)),
        column("Type", 4, ColumnType::from_bits(ColumnType::VALID | 2)),
    ]
}

/// `_Streams`/`_Storages` as libmsi defines them: a 62-character name and
/// a nullable stream column.
fn stream_list_columns() -> Vec<Column> {
    vec![
        column("Name", 1, string_type(62, false)),
        column(
            "Data",
            2,
            ColumnType::from_bits(ColumnType::VALID | ColumnType::STRING | ColumnType::NULLABLE),
        ),
    ]
}

/// Bytes a column takes in a table stream.
fn cell_width(ty: ColumnType, ref_width: usize) -> usize {
    if ty.is_stream() {
        2
    } else if ty.is_string() {
        ref_width
    } else if ty.size() <= 2 {
        2
    } else {
        4
    }
}

fn read_le(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .rev()
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

/// A table stream decoded into row-major raw cells.
struct RawRows {
    rows: usize,
    cells: Vec<u32>,
}

impl Package {
    /// Opens the package at `path` with default limits.
    pub fn open(path: impl AsRef<Path>) -> Result<Package> {
        Self::open_with(path, OpenOptions::default())
    }

    /// Opens the package at `path` with the given limits.
    pub fn open_with(path: impl AsRef<Path>, options: OpenOptions) -> Result<Package> {
        let path = path.as_ref();
        let _span = tracing::debug_span!("msi_open", path = %path.display()).entered();
        Self::from_container(Container::open_path(path)?, options)
    }

    /// Opens a package held in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Package> {
        Self::from_reader(
            Box::new(std::io::Cursor::new(bytes)),
            OpenOptions::default(),
        )
    }

    /// Opens a package from any seekable reader.
    pub fn from_reader(
        reader: Box<dyn ReadSeek + Send + Sync>,
        options: OpenOptions,
    ) -> Result<Package> {
        Self::from_container(Container::open(reader)?, options)
    }

    fn from_container(mut container: Container, options: OpenOptions) -> Result<Package> {
        let clsid = container.clsid();
        let kind = match clsid.as_str() {
            CLSID_DATABASE => PackageKind::Database,
            CLSID_TRANSFORM => PackageKind::Transform,
            CLSID_PATCH => PackageKind::Patch,
            other => {
                return Err(Error::UnknownPackageKind {
                    clsid: other.to_owned(),
                })
            }
        };
        let raw_pool = read_pool(&mut container, options)?;
        let mut package = Package {
            container: Mutex::new(container),
            kind,
            options,
            raw_pool,
            pool: Mutex::new(None),
            catalog: Mutex::new(None),
            tables: Mutex::new(HashMap::new()),
        };
        if kind == PackageKind::Database && package.has_table("ModuleSignature")? {
            package.kind = PackageKind::MergeModule;
        }
        Ok(package)
    }

    /// The kind of package.
    pub fn kind(&self) -> PackageKind {
        self.kind
    }

    /// The string pool's code page (0 = neutral).
    pub fn codepage(&self) -> u32 {
        self.raw_pool.codepage()
    }

    /// The limits this package was opened with.
    pub fn options(&self) -> OpenOptions {
        self.options
    }

    /// The stored tables, in `_Tables` row order.
    pub fn table_names(&self) -> Result<Vec<String>> {
        Ok(self.catalog()?.names.clone())
    }

    /// Whether a stored table of exactly this name exists (virtual tables
    /// are not stored).
    pub fn has_table(&self, name: &str) -> Result<bool> {
        Ok(self.catalog()?.names.iter().any(|n| n == name))
    }

    /// A table's columns in `Number` order, without reading its rows; also
    /// for the virtual tables.
    pub fn columns(&self, table: &str) -> Result<Vec<Column>> {
        match table {
            "_Tables" => return Ok(tables_columns()),
            "_Columns" => return Ok(columns_columns()),
            "_Streams" | "_Storages" => return Ok(stream_list_columns()),
            _ => {}
        }
        let catalog = self.catalog()?;
        match catalog.columns.get(table) {
            Some(Ok(columns)) => Ok(columns.clone()),
            Some(Err(detail)) => Err(Error::BadColumns {
                table: table.to_owned(),
                detail: detail.clone(),
            }),
            None => Err(Error::NoSuchTable {
                name: table.to_owned(),
            }),
        }
    }

    /// Names of the tables decoded and cached so far (for tests and
    /// diagnostics: opening and [`Package::property`] cache none).
    pub fn cached_tables(&self) -> Vec<String> {
        let mut names: Vec<String> = lock(&self.tables).keys().cloned().collect();
        names.sort();
        names
    }

    /// A whole table, decoded on first use and cached. Also the virtual
    /// tables `_Tables` (Name), `_Columns` (Table, Number, Name, Type),
    /// `_Streams` and `_Storages` (Name, Data).
    pub fn table(&self, name: &str) -> Result<Arc<Table>> {
        if let Some(table) = lock(&self.tables).get(name) {
            return Ok(Arc::clone(table));
        }
        let _span = tracing::debug_span!("msi_table", table = name).entered();
        let table = Arc::new(self.load_table(name)?);
        lock(&self.tables)
            .entry(name.to_owned())
            .or_insert_with(|| Arc::clone(&table));
        Ok(table)
    }

    fn load_table(&self, name: &str) -> Result<Table> {
        match name {
            "_Streams" => return Ok(self.stream_list_table(name, true)),
            "_Storages" => return Ok(self.stream_list_table(name, false)),
            _ => {}
        }
        let columns = self.columns(name)?;
        let raw = self.read_rows(name, &columns)?;
        let pool = self.string_pool()?;
        Ok(Table::new(name.to_owned(), columns, raw.cells, pool))
    }

    fn stream_list_table(&self, name: &str, streams: bool) -> Table {
        let names = if streams {
            self.stream_names_inner()
        } else {
            self.storage_names_inner()
        };
        let mut pool = StringPool::new(self.codepage());
        let mut cells = Vec::with_capacity(names.len() * 2);
        for entry in &names {
            cells.push(pool.push(entry));
            cells.push(1);
        }
        Table::new(
            name.to_owned(),
            stream_list_columns(),
            cells,
            Arc::new(pool),
        )
    }

    /// Reads and checks a stored table's stream into row-major cells. A
    /// table listed in `_Tables` without a stream has no rows.
    fn read_rows(&self, table: &str, columns: &[Column]) -> Result<RawRows> {
        let ref_width = self.raw_pool.ref_width();
        let widths: Vec<usize> = columns
            .iter()
            .map(|c| cell_width(c.ty, ref_width))
            .collect();
        let row_width: usize = widths.iter().sum();
        let bytes = self
            .read_stored_stream(&table_stream_name(table))?
            .unwrap_or_default();
        if row_width == 0 {
            return Err(Error::BadColumns {
                table: table.to_owned(),
                detail: "no columns".to_owned(),
            });
        }
        if bytes.len() % row_width != 0 {
            return Err(Error::TableSize {
                table: table.to_owned(),
                len: bytes.len() as u64,
                row_width,
            });
        }
        let rows = bytes.len() / row_width;
        let width = columns.len();
        let mut cells = vec![0u32; rows * width];
        let pool_len = self.raw_pool.len();
        let mut start = 0usize;
        for (index, (column, &cell_bytes)) in columns.iter().zip(&widths).enumerate() {
            let end = start + rows * cell_bytes;
            let data = bytes.get(start..end).unwrap_or(&[]);
            let check = column.ty.is_string();
            let targets = cells.iter_mut().skip(index).step_by(width);
            for (row, (cell, raw)) in targets.zip(data.chunks_exact(cell_bytes)).enumerate() {
                let value = read_le(raw);
                if check && value as usize > pool_len {
                    return Err(Error::BadStringRef {
                        table: table.to_owned(),
                        row,
                        column: column.name.clone(),
                        id: value,
                        pool_len,
                    });
                }
                *cell = value;
            }
            start = end;
        }
        Ok(RawRows { rows, cells })
    }

    /// The whole string pool, decoded once.
    fn string_pool(&self) -> Result<Arc<StringPool>> {
        let mut slot = lock(&self.pool);
        if let Some(pool) = slot.as_ref() {
            return Ok(Arc::clone(pool));
        }
        let _span =
            tracing::debug_span!("msi_string_pool", strings = self.raw_pool.len()).entered();
        let pool = Arc::new(self.raw_pool.decode_all()?);
        *slot = Some(Arc::clone(&pool));
        Ok(pool)
    }

    fn catalog(&self) -> Result<Arc<Catalog>> {
        let mut slot = lock(&self.catalog);
        if let Some(catalog) = slot.as_ref() {
            return Ok(Arc::clone(catalog));
        }
        let catalog = Arc::new(self.load_catalog()?);
        *slot = Some(Arc::clone(&catalog));
        Ok(catalog)
    }

    fn string(&self, id: u32) -> Result<String> {
        Ok(self.raw_pool.get(id)?.unwrap_or_default())
    }

    fn load_catalog(&self) -> Result<Catalog> {
        let tables = self.read_rows("_Tables", &tables_columns())?;
        let mut catalog = Catalog::default();
        let mut ids = HashMap::new();
        for (row, &id) in tables.cells.iter().enumerate() {
            let name = self.string(id)?;
            if id == 0 || name.is_empty() {
                return Err(Error::BadColumns {
                    table: "_Tables".to_owned(),
                    detail: format!("row {row} has no table name"),
                });
            }
            if ids.insert(id, catalog.names.len()).is_some() {
                continue;
            }
            catalog.names.push(name);
        }
        let mut found: Vec<Vec<Column>> = vec![Vec::new(); catalog.names.len()];
        let mut problems: Vec<Option<String>> = vec![None; catalog.names.len()];
        let columns = self.read_rows("_Columns", &columns_columns())?;
        for row in columns.cells.chunks_exact(4) {
            let &[table_id, number, name_id, ty] = row else {
                continue;
            };
            // Rows of tables missing from _Tables are ignored, as Windows does.
            let Some(&table_index) = ids.get(&table_id) else {
                continue;
            };
            let (Some(list), Some(problem)) =
                (found.get_mut(table_index), problems.get_mut(table_index))
            else {
                continue;
            };
            let number = i64::from(number) - 0x8000;
            let ty = i64::from(ty) - 0x8000;
            let (Ok(number), Ok(ty)) = (u16::try_from(number), u16::try_from(ty)) else {
                problem.get_or_insert(format!("column number {number} or type {ty} out of range"));
                continue;
            };
            list.push(Column {
                name: self.string(name_id)?,
                number,
                ty: ColumnType::from_bits(ty),
            });
        }
        for ((name, mut list), problem) in catalog.names.iter().zip(found).zip(problems) {
            list.sort_by_key(|c| c.number);
            let numbering_ok = list
                .iter()
                .enumerate()
                .all(|(i, c)| usize::from(c.number) == i + 1);
            let verdict = match problem {
                Some(problem) => Err(problem),
                None if list.is_empty() => Err("no columns in _Columns".to_owned()),
                None if !numbering_ok => Err(format!(
                    "column numbers {:?} are not 1..={}",
                    list.iter().map(|c| c.number).collect::<Vec<_>>(),
                    list.len()
                )),
                None => Ok(list),
            };
            catalog.columns.insert(name.clone(), verdict);
        }
        Ok(catalog)
    }

    fn read_stored_stream(&self, stored: &str) -> Result<Option<Vec<u8>>> {
        lock(&self.container).read_stream(stored, self.options.max_stream_bytes)
    }

    /// A property's value from the `Property` table; `None` when the
    /// package has no such property (or no `Property` table). Reads only
    /// the `Property` stream and the strings it needs.
    pub fn property(&self, name: &str) -> Result<Option<String>> {
        if let Some(table) = lock(&self.tables).get("Property").cloned() {
            return Ok(lookup_property(&table, name));
        }
        let catalog = self.catalog()?;
        if !catalog.names.iter().any(|n| n == "Property") {
            return Ok(None);
        }
        let columns = self.columns("Property")?;
        let key = columns
            .iter()
            .position(|c| c.name == "Property" && c.ty.is_string());
        let value = columns
            .iter()
            .position(|c| c.name == "Value" && c.ty.is_string());
        let (Some(key), Some(value), Some(ids)) = (key, value, self.raw_pool.find(name)) else {
            // Unusual schema or a name not expressible in the code page:
            // the general path decodes the whole table.
            return Ok(lookup_property(&*self.table("Property")?, name));
        };
        if ids.is_empty() {
            return Ok(None);
        }
        let raw = self.read_rows("Property", &columns)?;
        let width = columns.len();
        for row in raw.cells.chunks_exact(width).take(raw.rows) {
            let cell = |i: usize| row.get(i).copied().unwrap_or(0);
            if ids.contains(&cell(key)) {
                return Ok(Some(self.string(cell(value))?));
            }
        }
        Ok(None)
    }

    /// The summary information (`\u{5}SummaryInformation`); an empty one
    /// when the package has none.
    pub fn summary_info(&self) -> Result<SummaryInfo> {
        match self.read_stored_stream("\u{5}SummaryInformation")? {
            Some(bytes) => SummaryInfo::parse(&bytes),
            None => Ok(SummaryInfo::default()),
        }
    }

    fn stream_names_inner(&self) -> Vec<String> {
        lock(&self.container)
            .entries()
            .iter()
            .filter(|e| e.is_stream && !e.name.starts_with(TABLE_PREFIX))
            .map(|e| e.name.clone())
            .collect()
    }

    fn storage_names_inner(&self) -> Vec<String> {
        lock(&self.container)
            .entries()
            .iter()
            .filter(|e| !e.is_stream)
            .map(|e| e.name.clone())
            .collect()
    }

    /// Decoded names of the root's streams that are not tables (nor the
    /// string pool), in directory order, as libmsi's `_Streams` lists them:
    /// `Binary.Icon1`, `\u{5}SummaryInformation`, embedded cabinets.
    pub fn stream_names(&self) -> Result<Vec<String>> {
        Ok(self.stream_names_inner())
    }

    /// The bytes of a root stream, by decoded name.
    pub fn read_stream(&self, name: &str) -> Result<Vec<u8>> {
        let stored = lock(&self.container)
            .entries()
            .iter()
            .find(|e| e.is_stream && e.name == name)
            .map(|e| e.stored.clone());
        let bytes = match stored {
            Some(stored) => self.read_stored_stream(&stored)?,
            None => None,
        };
        bytes.ok_or_else(|| Error::NoSuchStream {
            name: name.to_owned(),
        })
    }

    /// Decoded names of the root's sub-storages (embedded transforms,
    /// nested storages), in directory order.
    pub fn storage_names(&self) -> Result<Vec<String>> {
        Ok(self.storage_names_inner())
    }
}

fn lookup_property(table: &Table, name: &str) -> Option<String> {
    let key = table.column_index("Property")?;
    let value = table.column_index("Value")?;
    (0..table.row_count()).find_map(|row| match table.value(row, key)? {
        crate::Value::Str(s) if s == name => Some(match table.value(row, value) {
            Some(crate::Value::Str(v)) => v.to_owned(),
            _ => String::new(),
        }),
        _ => None,
    })
}

fn read_pool(container: &mut Container, options: OpenOptions) -> Result<RawPool> {
    let limit = options.max_pool_bytes;
    let pool = container.read_stream(&table_stream_name("_StringPool"), limit)?;
    let Some(pool) = pool else {
        return Ok(RawPool::empty());
    };
    let left = limit.saturating_sub(pool.len() as u64);
    let data = container
        .read_stream(&table_stream_name("_StringData"), left)?
        .unwrap_or_default();
    RawPool::parse(&pool, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Package>();
    }

    #[test]
    fn cell_widths_follow_the_column_type() {
        let s = string_type(72, true);
        let stream = ColumnType::from_bits(ColumnType::VALID | ColumnType::STRING);
        let i2 = ColumnType::from_bits(ColumnType::VALID | 2);
        let i4 = ColumnType::from_bits(ColumnType::VALID | 4);
        assert_eq!(cell_width(s, 3), 3);
        assert_eq!(cell_width(stream, 3), 2);
        assert_eq!(cell_width(i2, 3), 2);
        assert_eq!(cell_width(i4, 2), 4);
        assert_eq!(read_le(&[0x01, 0x02, 0x03]), 0x030201);
    }
}
