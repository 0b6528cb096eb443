//! # nnitp-viz
//!
//! Seeing explanations: nnitp's image grid ([`grid`]: the key image with a digit
//! on each conjunct's region, the regions cropped below, comparison images to the
//! right), grids of explanations ([`view`]), a self-contained HTML report of an
//! explanation chain ([`report`]; a series as an SVG line plot
//! ([`series_plot`]), a table's rows as an HTML table ([`row_table`])) and,
//! with the `server` feature, the interactive web explorer ([`explorer`]).

#![warn(missing_docs)]

mod base64;
pub mod error;
#[cfg(feature = "server")]
pub mod explorer;
mod font;
pub mod grid;
mod labels;
pub mod report;
pub mod row_table;
pub mod series_plot;
pub mod view;

pub use error::{Error, Result};
pub use grid::{render, Cell, Grid, GridColumn, GridOptions};
