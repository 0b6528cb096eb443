//! A 256-bit digest (SHA-256) naming what a cached activation matrix was
//! computed from.

use std::fmt;

/// A SHA-256 digest. Computing one needs the `cache` feature (on with `burn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Digest(pub [u8; 32]);

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(feature = "cache")]
mod hashing {
    use super::Digest;
    use sha2::{Digest as _, Sha256};

    /// Builds a [`Digest`] from labelled parts, so that different inputs can
    /// never produce the same byte stream.
    #[derive(Clone, Default)]
    pub struct DigestBuilder(Sha256);

    impl DigestBuilder {
        /// An empty builder.
        pub fn new() -> Self {
            DigestBuilder(Sha256::new())
        }

        /// Adds `bytes`, prefixed by its length.
        pub fn bytes(mut self, bytes: &[u8]) -> Self {
            self.0.update((bytes.len() as u64).to_le_bytes());
            self.0.update(bytes);
            self
        }

        /// Adds `values` (their little-endian bytes), prefixed by the count.
        pub fn floats(mut self, values: &[f32]) -> Self {
            self.0.update((values.len() as u64).to_le_bytes());
            // in blocks, so that no copy of the whole array is made
            let mut buf = [0u8; 4096];
            for chunk in values.chunks(1024) {
                for (dst, v) in buf.chunks_exact_mut(4).zip(chunk) {
                    dst.copy_from_slice(&v.to_le_bytes());
                }
                self.0.update(&buf[..chunk.len() * 4]);
            }
            self
        }

        /// Adds an integer.
        pub fn number(mut self, n: u64) -> Self {
            self.0.update(n.to_le_bytes());
            self
        }

        /// Adds another digest.
        pub fn digest(self, d: &Digest) -> Self {
            self.bytes(&d.0)
        }

        /// The digest of everything added.
        pub fn finish(self) -> Digest {
            Digest(self.0.finalize().into())
        }
    }

    /// The SHA-256 of `bytes` as they are.
    pub fn sha256(bytes: &[u8]) -> Digest {
        Digest(Sha256::digest(bytes).into())
    }
}

#[cfg(feature = "cache")]
pub use hashing::{sha256, DigestBuilder};

#[cfg(all(test, feature = "cache"))]
mod tests {
    use super::*;

    /// The FIPS 180-2 test vector for "abc".
    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256(b"abc").to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn parts_are_delimited() {
        let a = DigestBuilder::new().bytes(b"ab").bytes(b"c").finish();
        let b = DigestBuilder::new().bytes(b"a").bytes(b"bc").finish();
        assert_ne!(a, b);
        let f = DigestBuilder::new().floats(&[1.0; 3000]).finish();
        let g = DigestBuilder::new().floats(&[1.0; 3001]).finish();
        assert_ne!(f, g);
    }
}
