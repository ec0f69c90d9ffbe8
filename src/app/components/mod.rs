pub mod banner;
pub mod field;
pub mod header;
pub mod problem;
pub mod start_acting;
