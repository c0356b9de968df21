//! The atoms' material: a flat colour times the mesh's vertex colours, with a fragment shader
//! of one multiplication (`atom_material.wgsl`, embedded in the binary).
//!
//! `StandardMaterial` with `unlit` gave the same picture, but its fragment shader still reads
//! the material from a bindless array, tests its texture flags, builds a PBR input and
//! premultiplies; under Mesa's lavapipe (software Vulkan) shading the slab's spheres was half
//! the app's CPU (README, Speed → The app).

use bevy::asset::embedded_asset;
use bevy::pbr::{Material, MaterialPlugin};
use bevy::prelude::*;
use bevy::render::render_resource::AsBindGroup;
use bevy::shader::ShaderRef;

/// Where `embedded_asset!` puts the shader: the crate name, then its path under `src/`.
const SHADER_PATH: &str = "embedded://betaglass/app/atom_material.wgsl";

pub struct AtomMaterialPlugin;

impl Plugin for AtomMaterialPlugin {
    fn build(&self, app: &mut App) {
        embedded_asset!(app, "atom_material.wgsl");
        app.add_plugins(MaterialPlugin::<AtomMaterial>::default());
    }
}

/// One colour of atoms, opaque or translucent.
#[derive(Asset, TypePath, AsBindGroup, Clone, Debug)]
pub struct AtomMaterial {
    /// Linear RGBA; the vertex colours multiply its RGB.
    #[uniform(0)]
    pub color: LinearRgba,
    pub alpha_mode: AlphaMode,
}

impl Material for AtomMaterial {
    fn fragment_shader() -> ShaderRef {
        SHADER_PATH.into()
    }

    fn alpha_mode(&self) -> AlphaMode {
        self.alpha_mode
    }

    /// No shadows are drawn (there is no light entity), so no shadow pass for the atoms.
    fn enable_shadows() -> bool {
        false
    }
}
