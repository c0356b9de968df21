// The atoms as sphere impostors: each atom is one quad (two triangles) that the vertex shader
// turns to face the camera and sizes to cover the sphere's outline; the fragment shader casts
// the pixel's ray at the sphere, discards a miss, shades the hit with a fixed light and writes
// its true depth, so spheres cut each other as solid spheres do.
//
// Why not triangle spheres: under a software rasteriser (Mesa's lavapipe) the glass's spheres
// are a few pixels across; 80 triangles each cost their set-ups and, in partly covered pixel
// blocks, more shaded fragments than the sphere has pixels (865 000 fragment invocations in
// the translucent pass against 396 000 with quads; README, Speed → The app).
#import bevy_pbr::{mesh_functions, mesh_view_bindings::view}

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> atom_color: vec4<f32>;

// Where the light comes from (world space: the atoms never rotate, so a light fixed in the
// world is all the lighting there is), and the share of a colour a sphere keeps on its side
// away from the light.
const LIGHT_FROM: vec3<f32> = vec3<f32>(4.0, 8.0, 6.0);
const AMBIENT_SHARE: f32 = 0.4;

// Two layouts: an entity's sphere (atom_material::sphere_impostor), whose quad corners are
// (±r, ±r, 0) around the entity's origin; or a layer of spheres in one mesh
// (atom_material::sphere_layer), each corner carrying its sphere's centre (position), the
// corner (UV 0), the radius (UV 1) and the colour.
struct Vertex {
    @builtin(instance_index) instance_index: u32,
    @location(0) position: vec3<f32>,
#ifdef VERTEX_UVS_A
    @location(2) corner: vec2<f32>,
#endif
#ifdef VERTEX_UVS_B
    @location(3) radius: vec2<f32>,
#endif
#ifdef VERTEX_COLORS
    @location(5) color: vec4<f32>,
#endif
};

struct VertexOutput {
    @builtin(position) clip_position: vec4<f32>,
    @location(0) world_position: vec3<f32>,
    @location(1) @interpolate(flat) centre: vec3<f32>,
    @location(2) @interpolate(flat) radius: f32,
    @location(3) @interpolate(flat) color: vec4<f32>,
};

@vertex
fn vertex(v: Vertex) -> VertexOutput {
    let world_from_local = mesh_functions::get_world_from_local(v.instance_index);
#ifdef VERTEX_UVS_B
    let local_centre = v.position;
    let corner = v.corner;
    let local_radius = v.radius.x;
#else
    let local_centre = vec3<f32>(0.0);
    let corner = sign(v.position.xy);
    let local_radius = max(abs(v.position.x), abs(v.position.y));
#endif
#ifdef VERTEX_COLORS
    let color = atom_color * v.color;
#else
    let color = atom_color;
#endif
    let centre = (world_from_local * vec4<f32>(local_centre, 1.0)).xyz;
    let radius = length(world_from_local[0].xyz) * local_radius;
    let to_camera = view.world_position - centre;
    let d = length(to_camera);
    let axis = to_camera / d;
    let right = normalize(cross(view.world_from_view[1].xyz, axis));
    let up = cross(axis, right);
    // The cone of rays from the camera that touch the sphere meets the plane through its
    // centre (normal to the line of sight) in a circle of radius r d / sqrt(d² − r²).
    let half = radius * d / sqrt(max(d * d - radius * radius, 1e-6 * d * d));
    let world = centre + half * (corner.x * right + corner.y * up);
    var out: VertexOutput;
    out.clip_position = view.clip_from_world * vec4<f32>(world, 1.0);
    out.world_position = world;
    out.centre = centre;
    out.radius = radius;
    out.color = color;
    return out;
}

struct FragmentOutput {
    @location(0) color: vec4<f32>,
    @builtin(frag_depth) depth: f32,
};

@fragment
fn fragment(in: VertexOutput) -> FragmentOutput {
    let origin = view.world_position;
    let dir = normalize(in.world_position - origin);
    let oc = origin - in.centre;
    let b = dot(dir, oc);
    let disc = b * b - (dot(oc, oc) - in.radius * in.radius);
    if disc < 0.0 {
        discard;
    }
    let hit = origin + (-b - sqrt(disc)) * dir;
    let normal = (hit - in.centre) / in.radius;
    let lambert = max(dot(normal, normalize(LIGHT_FROM)), 0.0);
    let shade = AMBIENT_SHARE + (1.0 - AMBIENT_SHARE) * lambert;
    let clip = view.clip_from_world * vec4<f32>(hit, 1.0);
    var out: FragmentOutput;
    out.color = vec4<f32>(in.color.rgb * shade, in.color.a);
    out.depth = clip.z / clip.w;
    return out;
}
