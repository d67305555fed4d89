//! Importer mail through the public parser: the fixtures in
//! `tests/fixtures/emails`, and the shapes that used to lose data.

mod parsing;
mod shapes;
