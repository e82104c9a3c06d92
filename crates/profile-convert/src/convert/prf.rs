//! The conversion of a `.prf` file (being written).

use super::{Conversion, ConvertOptions, ExportKind, Plan};
use crate::{Error, PrfFile};

pub(super) fn convert(
    export: &[u8],
    _options: &mut ConvertOptions<'_>,
) -> Result<Conversion, Error> {
    let _prf = PrfFile::parse(export)?;
    Ok(Conversion {
        plan: Plan {
            kind: ExportKind::Prf,
            profiles: Vec::new(),
            changes: Vec::new(),
        },
        converted: export.to_vec(),
        undo: export.to_vec(),
    })
}
