//! Checking that a burn module's weights are finite: weights holding a NaN or
//! an infinity make every activation meaningless, and explanations of them
//! silently wrong.

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;

/// Finds the first float tensor holding a non-finite value, keeping the path
/// of fields that leads to the tensor visited.
#[derive(Default)]
struct FirstNonFinite {
    path: Vec<String>,
    found: Option<String>,
}

impl ModuleVisitor for FirstNonFinite {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if self.found.is_some() {
            return;
        }
        let finite = super::tensor_values(param.val())
            .map(|v| v.iter().all(|x| x.is_finite()))
            .unwrap_or(false);
        if !finite {
            self.found = Some(self.path.join("."));
        }
    }
}

/// The path (e.g. `layers.14.weight`) of the first float tensor of `module`
/// (weights, biases, running statistics) holding a NaN or an infinity, or that
/// cannot be read as `f32`; `None` when every value is finite.
pub fn non_finite_tensor<M: Module>(module: &M) -> Option<String> {
    let mut v = FirstNonFinite::default();
    module.visit(&mut v);
    v.found
}
