//! A digest of a burn module's weights, for [`Network::fingerprint`](super::Network::fingerprint).

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;

use crate::digest::{Digest, DigestBuilder};

/// Hashes every float tensor of a module (parameters and running statistics),
/// with its shape, in the order the module visits them.
struct Hasher {
    digest: DigestBuilder,
    unreadable: bool,
}

impl ModuleVisitor for Hasher {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let t = param.val();
        let dims = t.dims();
        let Ok(values) = super::tensor_values(t) else {
            self.unreadable = true;
            return;
        };
        let mut d = std::mem::take(&mut self.digest).number(D as u64);
        for n in dims {
            d = d.number(n as u64);
        }
        self.digest = d.floats(&values);
    }
}

/// The digest of `module`'s float tensors (weights, biases, running
/// statistics) and their shapes: equal for equal weights, different as soon
/// as one value differs. `None` when a tensor cannot be read as `f32`.
///
/// ```ignore
/// impl Network for MyNet {
///     fn fingerprint(&self) -> Option<Digest> { module_digest(self) }
///     // ...
/// }
/// ```
pub fn module_digest<M: Module>(module: &M) -> Option<Digest> {
    let mut h = Hasher {
        digest: DigestBuilder::new().bytes(b"nnitp burn module"),
        unreadable: false,
    };
    module.visit(&mut h);
    (!h.unreadable).then(|| h.digest.finish())
}
