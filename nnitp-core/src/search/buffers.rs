//! Large buffers that one search leaves for the next: a fresh allocation of
//! the positives' columns costs page faults that take longer than filling it.

/// Buffers kept between searches. A search given the same `SearchBuffers` as
/// an earlier one reuses its allocations; the search itself keeps nothing.
#[derive(Debug, Default)]
pub struct SearchBuffers {
    spare: Vec<Vec<u32>>,
}

impl SearchBuffers {
    /// No buffers yet.
    pub fn new() -> Self {
        SearchBuffers::default()
    }

    /// A buffer of at least `n` keys (content unspecified), reusing a spare one.
    pub(super) fn take(&mut self, n: usize) -> Vec<u32> {
        let best = (0..self.spare.len()).max_by_key(|&i| self.spare[i].len());
        let mut v = best.map(|i| self.spare.swap_remove(i)).unwrap_or_default();
        if v.len() < n {
            v.resize(n, 0);
        }
        v
    }

    /// Keeps a buffer for later searches (the two largest are kept).
    pub(super) fn give(&mut self, v: Vec<u32>) {
        if v.capacity() == 0 {
            return;
        }
        self.spare.push(v);
        self.spare.sort_by_key(|b| std::cmp::Reverse(b.capacity()));
        self.spare.truncate(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_the_largest_and_keeps_two() {
        let mut b = SearchBuffers::new();
        b.give(vec![1; 10]);
        b.give(vec![2; 30]);
        b.give(vec![3; 20]);
        assert_eq!(b.spare.len(), 2);
        let v = b.take(5);
        assert_eq!(v.len(), 30);
        let w = b.take(25);
        assert_eq!(w.len(), 25);
        assert!(b.take(0).is_empty());
    }
}
