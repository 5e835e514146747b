use super::{Out, StripError};

pub fn strip_webp(_data: &[u8], _out: &mut Out) -> Result<(), StripError> {
    Err(StripError::Unsupported(super::SUPPORTED.to_string()))
}
pub fn strip_wav(_data: &[u8], _out: &mut Out) -> Result<(), StripError> {
    Err(StripError::Unsupported(super::SUPPORTED.to_string()))
}
