//! The parts of a [`DeviceGraph`](super::DeviceGraph) that are not weights
//! but follow burn's module operations: its host form, dropped at any change
//! of the weights, and its device, moved with it.

use std::sync::{Arc, Mutex};

use burn::module::{
    Content, Devices, Module, ModuleDisplay, ModuleDisplayDefault, ModuleMapper, ModuleVisitor,
};
use burn::tensor::Device;

use super::LayerGraph;

/// The host's form of a [`DeviceGraph`], made at its first inference on
/// flex. A module without parameters, so that burn's every change of the
/// weights (a loaded record, an optimiser's step, a device move: all go
/// through [`Module::map`] or a move) drops it; a clone keeps its own.
#[derive(Debug, Default)]
pub(super) struct HostForm(Mutex<Option<Arc<LayerGraph>>>);

impl Clone for HostForm {
    fn clone(&self) -> Self {
        HostForm(Mutex::new(self.get()))
    }
}

impl HostForm {
    pub(super) fn get(&self) -> Option<Arc<LayerGraph>> {
        self.0.lock().map_or(None, |g| g.clone())
    }

    pub(super) fn set(&self, graph: Arc<LayerGraph>) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(graph);
        }
    }

    pub(super) fn clear(&self) {
        if let Ok(mut g) = self.0.lock() {
            *g = None;
        }
    }
}

impl Module for HostForm {
    fn collect_devices(&self, devices: Devices) -> Devices {
        devices
    }

    fn fork(self, _: &Device) -> Self {
        HostForm::default()
    }

    fn to_device(self, _: &Device) -> Self {
        HostForm::default()
    }

    fn train(self) -> Self {
        self
    }

    fn valid(&self) -> Self {
        self.clone()
    }

    fn materialize(self) -> Self {
        HostForm::default()
    }

    fn visit<V: ModuleVisitor>(&self, _: &mut V) {}

    fn map<M: ModuleMapper>(self, _: &mut M) -> Self {
        HostForm::default()
    }
}

impl ModuleDisplayDefault for HostForm {
    fn content(&self, content: Content) -> Option<Content> {
        content.add_formatted(&"host form").optional()
    }
}

impl ModuleDisplay for HostForm {}

/// The device a graph is on, moved by [`Module::to_device`] and
/// [`Module::fork`] like its weights (what a graph without weights reports).
#[derive(Clone, Debug)]
pub(super) struct Home(pub(super) Device);

impl Module for Home {
    fn collect_devices(&self, devices: Devices) -> Devices {
        devices
    }

    fn fork(self, device: &Device) -> Self {
        Home(device.clone())
    }

    fn to_device(self, device: &Device) -> Self {
        Home(device.clone())
    }

    fn train(self) -> Self {
        self
    }

    fn valid(&self) -> Self {
        Home(self.0.clone().without_autodiff())
    }

    fn materialize(self) -> Self {
        self
    }

    fn visit<V: ModuleVisitor>(&self, _: &mut V) {}

    fn map<M: ModuleMapper>(self, _: &mut M) -> Self {
        self
    }
}

impl ModuleDisplayDefault for Home {
    fn content(&self, content: Content) -> Option<Content> {
        content.add_formatted(&format!("{:?}", self.0)).optional()
    }
}

impl ModuleDisplay for Home {}
