//! Reading a node's attributes, and errors about a node.

use std::path::Path;

use super::super::error::OnnxError;
use super::super::proto::{Attribute, Node};

/// An error about `node`.
pub(super) fn node_error(path: &Path, node: &Node<'_>, reason: impl Into<String>) -> OnnxError {
    OnnxError::Node {
        path: path.to_path_buf(),
        node: node.name.clone(),
        op: node.op_type.clone(),
        reason: reason.into(),
    }
}

pub(super) fn attr<'n, 'a>(node: &'n Node<'a>, name: &str) -> Option<&'n Attribute<'a>> {
    node.attributes.iter().find(|a| a.name == name)
}

pub(super) fn attr_int(node: &Node<'_>, name: &str, default: i64) -> i64 {
    attr(node, name).and_then(|a| a.i).unwrap_or(default)
}

pub(super) fn attr_float(node: &Node<'_>, name: &str, default: f32) -> f32 {
    attr(node, name).and_then(|a| a.f).unwrap_or(default)
}

pub(super) fn attr_ints(node: &Node<'_>, name: &str) -> Option<Vec<i64>> {
    attr(node, name).map(|a| a.ints.clone())
}

pub(super) fn attr_str(node: &Node<'_>, name: &str) -> Option<String> {
    attr(node, name).and_then(|a| a.s.clone())
}
