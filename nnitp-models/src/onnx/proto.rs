//! The parts of ONNX's messages (`onnx.proto`) a classifier's graph needs,
//! decoded from the wire; tensors borrow their bytes from the file.

use super::wire::{Fields, Value};

/// `ModelProto`: the default domain's opset and the graph.
#[derive(Debug, Default)]
pub(super) struct Model<'a> {
    pub opset: Option<i64>,
    pub graph: Option<Graph<'a>>,
}

/// `GraphProto`.
#[derive(Debug, Default)]
pub(super) struct Graph<'a> {
    pub nodes: Vec<Node<'a>>,
    pub initializers: Vec<Tensor<'a>>,
    pub inputs: Vec<ValueInfo>,
    pub outputs: Vec<ValueInfo>,
}

/// `NodeProto`.
#[derive(Debug, Default)]
pub(super) struct Node<'a> {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub name: String,
    pub op_type: String,
    pub domain: String,
    pub attributes: Vec<Attribute<'a>>,
}

/// `AttributeProto` (the kinds a classifier's operators use).
#[derive(Debug, Default)]
pub(super) struct Attribute<'a> {
    pub name: String,
    pub f: Option<f32>,
    pub i: Option<i64>,
    pub s: Option<String>,
    pub t: Option<Tensor<'a>>,
    pub floats: Vec<f32>,
    pub ints: Vec<i64>,
    /// Holds a graph (control flow), which no supported operator takes.
    pub graph: bool,
}

/// `TensorProto`.
#[derive(Debug, Default)]
pub(super) struct Tensor<'a> {
    pub name: String,
    pub dims: Vec<i64>,
    pub data_type: i32,
    pub raw: Option<&'a [u8]>,
    pub floats: Vec<f32>,
    pub ints: Vec<i64>,
    pub doubles: Vec<f64>,
    /// `external_data` key-value pairs.
    pub external: Vec<(String, String)>,
    /// `data_location` is EXTERNAL.
    pub is_external: bool,
}

/// `ValueInfoProto` of a tensor: its element type and dimensions (`None`
/// for a symbolic or unknown one).
#[derive(Debug, Default)]
pub(super) struct ValueInfo {
    pub name: String,
    pub elem_type: i32,
    pub dims: Option<Vec<Option<i64>>>,
}

type Res<T> = Result<T, String>;

fn each<'a>(buf: &'a [u8], mut f: impl FnMut(u32, Value<'a>) -> Res<()>) -> Res<()> {
    let mut fields = Fields::new(buf);
    while let Some((n, v)) = fields.next_field()? {
        f(n, v)?;
    }
    Ok(())
}

impl<'a> Model<'a> {
    /// Decodes a `ModelProto`.
    pub(super) fn decode(buf: &'a [u8]) -> Res<Self> {
        let mut m = Model::default();
        each(buf, |n, v| {
            match n {
                7 => m.graph = Some(Graph::decode(v.bytes()?)?),
                8 => {
                    let (mut domain, mut version) = (String::new(), None);
                    each(v.bytes()?, |n, v| {
                        match n {
                            1 => domain = v.string()?,
                            2 => version = Some(v.int()?),
                            _ => {}
                        }
                        Ok(())
                    })?;
                    if domain.is_empty() || domain == "ai.onnx" {
                        m.opset = version;
                    }
                }
                _ => {}
            }
            Ok(())
        })
        .map_err(|e| format!("model: {e}"))?;
        Ok(m)
    }
}

impl<'a> Graph<'a> {
    fn decode(buf: &'a [u8]) -> Res<Self> {
        let mut g = Graph::default();
        each(buf, |n, v| {
            match n {
                1 => g.nodes.push(Node::decode(v.bytes()?)?),
                5 => g.initializers.push(Tensor::decode(v.bytes()?)?),
                11 => g.inputs.push(ValueInfo::decode(v.bytes()?)?),
                12 => g.outputs.push(ValueInfo::decode(v.bytes()?)?),
                15 => return Err("sparse initializers are not supported".into()),
                _ => {}
            }
            Ok(())
        })
        .map_err(|e| format!("graph: {e}"))?;
        Ok(g)
    }
}

impl<'a> Node<'a> {
    fn decode(buf: &'a [u8]) -> Res<Self> {
        let mut node = Node::default();
        each(buf, |n, v| {
            match n {
                1 => node.inputs.push(v.string()?),
                2 => node.outputs.push(v.string()?),
                3 => node.name = v.string()?,
                4 => node.op_type = v.string()?,
                5 => node.attributes.push(Attribute::decode(v.bytes()?)?),
                7 => node.domain = v.string()?,
                _ => {}
            }
            Ok(())
        })
        .map_err(|e| format!("node {:?}: {e}", node.name))?;
        Ok(node)
    }
}

impl<'a> Attribute<'a> {
    fn decode(buf: &'a [u8]) -> Res<Self> {
        let mut a = Attribute::default();
        each(buf, |n, v| {
            match n {
                1 => a.name = v.string()?,
                2 => a.f = Some(v.float()?),
                3 => a.i = Some(v.int()?),
                4 => a.s = Some(v.string()?),
                5 => a.t = Some(Tensor::decode(v.bytes()?)?),
                6 | 11 => a.graph = true,
                7 => v.floats_into(&mut a.floats)?,
                8 => v.ints_into(&mut a.ints)?,
                _ => {}
            }
            Ok(())
        })
        .map_err(|e| format!("attribute {:?}: {e}", a.name))?;
        Ok(a)
    }
}

impl<'a> Tensor<'a> {
    fn decode(buf: &'a [u8]) -> Res<Self> {
        let mut t = Tensor::default();
        each(buf, |n, v| {
            match n {
                1 => v.ints_into(&mut t.dims)?,
                2 => t.data_type = v.int()? as i32,
                4 => v.floats_into(&mut t.floats)?,
                // int32_data holds int32s and the small types; int64_data int64s
                5 | 7 => v.ints_into(&mut t.ints)?,
                8 => t.name = v.string()?,
                9 => t.raw = Some(v.bytes()?),
                10 => v.doubles_into(&mut t.doubles)?,
                13 => {
                    let (mut key, mut value) = (String::new(), String::new());
                    each(v.bytes()?, |n, v| {
                        match n {
                            1 => key = v.string()?,
                            2 => value = v.string()?,
                            _ => {}
                        }
                        Ok(())
                    })?;
                    t.external.push((key, value));
                }
                14 => t.is_external = v.int()? == 1,
                _ => {}
            }
            Ok(())
        })
        .map_err(|e| format!("tensor {:?}: {e}", t.name))?;
        Ok(t)
    }
}

impl ValueInfo {
    fn decode(buf: &[u8]) -> Res<Self> {
        let mut info = ValueInfo::default();
        each(buf, |n, v| {
            match n {
                1 => info.name = v.string()?,
                // TypeProto: tensor_type (1)
                2 => each(v.bytes()?, |n, v| {
                    if n == 1 {
                        each(v.bytes()?, |n, v| {
                            match n {
                                1 => info.elem_type = v.int()? as i32,
                                2 => {
                                    let mut dims = Vec::new();
                                    each(v.bytes()?, |n, v| {
                                        if n == 1 {
                                            let mut value = None;
                                            each(v.bytes()?, |n, v| {
                                                if n == 1 {
                                                    value = Some(v.int()?);
                                                }
                                                Ok(())
                                            })?;
                                            dims.push(value);
                                        }
                                        Ok(())
                                    })?;
                                    info.dims = Some(dims);
                                }
                                _ => {}
                            }
                            Ok(())
                        })?;
                    }
                    Ok(())
                })?,
                _ => {}
            }
            Ok(())
        })
        .map_err(|e| format!("value {:?}: {e}", info.name))?;
        Ok(info)
    }
}
