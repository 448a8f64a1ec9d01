//! Column-major dense storage whose columns start on 64-byte boundaries.
//!
//! faer's SIMD kernels peel unaligned heads off columns, so the rounding of a dense
//! factorization depends on where the allocator put the buffer. Aligning every column makes
//! the results reproducible from run to run (the IPM's path on non-convex problems such as
//! the collocation NLP is sensitive to the last bits of its Newton steps).

use faer::{MatMut, MatRef};

/// Doubles per 64-byte line.
const LINE: usize = 8;

/// A `rows × cols` matrix with leading dimension `ld` (a multiple of 8) and aligned columns.
#[derive(Clone, Debug)]
pub(crate) struct AlignedMat {
    buf: Vec<f64>,
    off: usize,
    rows: usize,
    cols: usize,
    ld: usize,
}

impl AlignedMat {
    /// Zero matrix.
    pub(crate) fn zeros(rows: usize, cols: usize) -> Self {
        let ld = rows.div_ceil(LINE).max(1) * LINE;
        let buf = vec![0.0; ld * cols + LINE];
        let misalign = (buf.as_ptr() as usize / std::mem::size_of::<f64>()) % LINE;
        let off = (LINE - misalign) % LINE;
        Self {
            buf,
            off,
            rows,
            cols,
            ld,
        }
    }

    /// Leading dimension (stride between columns).
    pub(crate) fn ld(&self) -> usize {
        self.ld
    }

    /// All stored values, column `j` at `j·ld .. j·ld + rows`.
    pub(crate) fn data(&self) -> &[f64] {
        &self.buf[self.off..self.off + self.ld * self.cols]
    }

    /// Mutable [`AlignedMat::data`].
    pub(crate) fn data_mut(&mut self) -> &mut [f64] {
        &mut self.buf[self.off..self.off + self.ld * self.cols]
    }

    /// Sets every entry to zero.
    pub(crate) fn fill_zero(&mut self) {
        self.data_mut().iter_mut().for_each(|v| *v = 0.0);
    }

    /// faer view.
    pub(crate) fn as_ref(&self) -> MatRef<'_, f64> {
        let (rows, cols, ld) = (self.rows, self.cols, self.ld);
        MatRef::from_column_major_slice_with_stride(self.data(), rows, cols, ld)
    }

    /// Mutable faer view.
    pub(crate) fn as_mut(&mut self) -> MatMut<'_, f64> {
        let (rows, cols, ld) = (self.rows, self.cols, self.ld);
        MatMut::from_column_major_slice_with_stride_mut(self.data_mut(), rows, cols, ld)
    }
}

#[cfg(test)]
mod tests {
    use super::AlignedMat;

    #[test]
    fn columns_are_aligned_and_views_see_the_data() {
        for (r, c) in [(1, 1), (7, 3), (9, 5), (562, 400)] {
            let mut m = AlignedMat::zeros(r, c);
            assert_eq!(m.ld() % 8, 0);
            assert!(m.ld() >= r);
            let ld = m.ld();
            m.data_mut()[(c - 1) * ld + r - 1] = 2.5;
            assert_eq!(m.as_ref()[(r - 1, c - 1)], 2.5);
            for j in 0..c {
                let p = m.as_ref().col(j).as_ptr() as usize;
                assert_eq!(p % 64, 0, "column {j} of {r}×{c}");
            }
        }
    }
}
