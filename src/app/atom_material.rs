//! The atoms' material: sphere impostors (`atom_material.wgsl`, embedded in the binary). Each
//! atom is one camera-facing quad; its pixels are ray-cast against the sphere, shaded by a
//! fixed light and given the sphere's depth.
//!
//! Triangle spheres came first: `StandardMaterial` (PBR), then an unlit material over
//! 80-triangle icospheres with the light baked into vertex colours. Under Mesa's lavapipe
//! (software Vulkan) the second still spent ~50 ms a frame in the translucent pass on ~30 000
//! triangles a few pixels each (README, Speed → The app); two triangles an atom, and the
//! translucent glass in one draw ([`sphere_layer`]), brought that pass to ~9 ms.

use bevy::asset::{RenderAssetUsages, embedded_asset};
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::pbr::{Material, MaterialPlugin};
use bevy::prelude::*;
use bevy::render::render_resource::AsBindGroup;
use bevy::shader::ShaderRef;

use super::style;

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
    /// Linear RGBA; the shading multiplies its RGB.
    #[uniform(0)]
    pub color: LinearRgba,
    pub alpha_mode: AlphaMode,
}

impl AtomMaterial {
    /// The material of one of the style's colours.
    pub fn new(rgb: [u8; 3], alpha: f32) -> Self {
        Self {
            color: style::color(rgb).with_alpha(alpha).to_linear(),
            alpha_mode: if alpha < 1.0 {
                AlphaMode::Blend
            } else {
                AlphaMode::Opaque
            },
        }
    }

    /// The material of a [`sphere_layer`]: white and blending, so the layer's vertex colours
    /// (with their opacities) are the colours.
    pub fn layer() -> Self {
        Self {
            color: LinearRgba::WHITE,
            alpha_mode: AlphaMode::Blend,
        }
    }
}

impl Material for AtomMaterial {
    fn vertex_shader() -> ShaderRef {
        SHADER_PATH.into()
    }

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

/// The mesh of a sphere of `radius_angstrom` for [`AtomMaterial`]: a quad of corners
/// (±r, ±r, 0), which the vertex shader turns to face the camera and widens to the sphere's
/// outline. Its bounding box is flat, so entities drawn with it carry `NoFrustumCulling`.
pub fn sphere_impostor(radius_angstrom: f32) -> Mesh {
    let r = radius_angstrom;
    // Counter-clockwise seen from the camera (the shader maps x to the view's right, y up).
    let corners = vec![[-r, -r, 0.0], [r, -r, 0.0], [r, r, 0.0], [-r, r, 0.0]];
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, corners)
    .with_inserted_indices(Indices::U16(vec![0, 1, 2, 0, 2, 3]))
}

/// One sphere of a [`sphere_layer`]: centre in the layer entity's space, radius, and its
/// linear colour with its opacity.
#[derive(Clone, Copy, Debug)]
pub struct LayerSphere {
    pub centre: Vec3,
    pub radius_angstrom: f32,
    pub color: LinearRgba,
}

/// Many translucent spheres as one mesh for [`AtomMaterial`] (drawn with a white, blending
/// material): a quad per sphere, its four corners carrying the centre (position), the corner
/// (UV 0, ±1), the radius (UV 1) and the colour. One draw instead of one per atom: the glass
/// around the cluster is a thousand translucent atoms, each a sorted draw of its own when drawn
/// as entities, and lavapipe spent a third of a frame on them. `far_to_near` orders the
/// blending (the caller sorts; within one draw the order of the quads is the order of blending).
pub fn sphere_layer(far_to_near: &[LayerSphere]) -> Mesh {
    // Bevy's mesh allocator cannot upload a mesh without vertices ("use-after-free" errors):
    // an empty layer is one sphere of radius 0, which covers no pixel.
    let nothing = [LayerSphere {
        centre: Vec3::ZERO,
        radius_angstrom: 0.0,
        color: LinearRgba::NONE,
    }];
    let far_to_near = if far_to_near.is_empty() {
        &nothing[..]
    } else {
        far_to_near
    };
    let n = far_to_near.len();
    let (mut centres, mut corners, mut radii, mut colors) = (
        Vec::with_capacity(4 * n),
        Vec::with_capacity(4 * n),
        Vec::with_capacity(4 * n),
        Vec::with_capacity(4 * n),
    );
    for s in far_to_near {
        for corner in [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]] {
            centres.push(s.centre.to_array());
            corners.push(corner);
            radii.push([s.radius_angstrom, 0.0]);
            colors.push(s.color.to_f32_array());
        }
    }
    let indices = (0..n as u32)
        .flat_map(|q| [0, 1, 2, 0, 2, 3].map(|i| 4 * q + i))
        .collect();
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, centres)
    .with_inserted_attribute(Mesh::ATTRIBUTE_UV_0, corners)
    .with_inserted_attribute(Mesh::ATTRIBUTE_UV_1, radii)
    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, colors)
    .with_inserted_indices(Indices::U32(indices))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::mesh::VertexAttributeValues;

    fn floats3(
        mesh: &Mesh,
        attribute: impl Into<bevy::mesh::MeshVertexAttributeId>,
    ) -> Vec<[f32; 3]> {
        match mesh.attribute(attribute) {
            Some(VertexAttributeValues::Float32x3(v)) => v.clone(),
            other => panic!("expected Float32x3, got {other:?}"),
        }
    }

    fn floats2(
        mesh: &Mesh,
        attribute: impl Into<bevy::mesh::MeshVertexAttributeId>,
    ) -> Vec<[f32; 2]> {
        match mesh.attribute(attribute) {
            Some(VertexAttributeValues::Float32x2(v)) => v.clone(),
            other => panic!("expected Float32x2, got {other:?}"),
        }
    }

    #[test]
    fn an_impostor_is_a_quad_of_the_radius() {
        let mesh = sphere_impostor(0.8);
        assert_eq!(
            floats3(&mesh, Mesh::ATTRIBUTE_POSITION),
            [
                [-0.8, -0.8, 0.0],
                [0.8, -0.8, 0.0],
                [0.8, 0.8, 0.0],
                [-0.8, 0.8, 0.0]
            ]
        );
        assert_eq!(mesh.indices().map(|i| i.len()), Some(6));
    }

    #[test]
    fn a_layer_carries_each_sphere_on_its_four_corners_in_the_given_order() {
        let spheres = [
            LayerSphere {
                centre: Vec3::new(1.0, 2.0, 3.0),
                radius_angstrom: 0.5,
                color: LinearRgba::new(1.0, 0.0, 0.0, 0.1),
            },
            LayerSphere {
                centre: Vec3::new(-4.0, 0.0, 1.0),
                radius_angstrom: 0.7,
                color: LinearRgba::new(0.0, 1.0, 0.0, 0.25),
            },
        ];
        let mesh = sphere_layer(&spheres);
        let centres = floats3(&mesh, Mesh::ATTRIBUTE_POSITION);
        let corners = floats2(&mesh, Mesh::ATTRIBUTE_UV_0);
        let radii = floats2(&mesh, Mesh::ATTRIBUTE_UV_1);
        assert_eq!(centres.len(), 8);
        for (q, s) in spheres.iter().enumerate() {
            for v in 4 * q..4 * q + 4 {
                assert_eq!(centres[v], s.centre.to_array());
                assert_eq!(radii[v][0], s.radius_angstrom);
                assert_eq!(corners[v][0].abs(), 1.0);
                assert_eq!(corners[v][1].abs(), 1.0);
            }
        }
        let Some(VertexAttributeValues::Float32x4(colors)) = mesh.attribute(Mesh::ATTRIBUTE_COLOR)
        else {
            panic!("the layer has vertex colours");
        };
        assert_eq!(colors[5], [0.0, 1.0, 0.0, 0.25]);
        // Two triangles a quad, each quad's indices within its own four vertices.
        let indices: Vec<usize> = mesh.indices().expect("indexed").iter().collect();
        assert_eq!(indices.len(), 12);
        assert!(indices[6..].iter().all(|&i| (4..8).contains(&i)));
    }

    #[test]
    fn an_empty_layer_is_one_sphere_of_radius_zero() {
        let mesh = sphere_layer(&[]);
        assert_eq!(floats3(&mesh, Mesh::ATTRIBUTE_POSITION).len(), 4);
        assert!(
            floats2(&mesh, Mesh::ATTRIBUTE_UV_1)
                .iter()
                .all(|r| r[0] == 0.0)
        );
    }
}
