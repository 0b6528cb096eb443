//! Scattering a tile of sample rows into columns, portably.

/// Writes row `i` of `tile` (rows of `b` keys) to `dst[j * n + i]` for every
/// column `j`, for rows from `row0` and columns from `col0` on: a tile of
/// samples into the columns, the portable way (the vector kernels' reference
/// and tail).
pub(super) fn scatter_tile_portable(
    tile: &[u32],
    b: usize,
    dst: &mut [u32],
    n: usize,
    row0: usize,
    col0: usize,
) {
    let h = tile.len() / b;
    for j in col0..b {
        for i in row0..h {
            dst[j * n + i] = tile[i * b + j];
        }
    }
}
