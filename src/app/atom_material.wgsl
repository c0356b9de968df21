// The atoms' fragment shader: the material's colour times the vertex colour, which carries the
// shading of a fixed light (atoms_view::shaded_sphere). Nothing else is computed per pixel:
// under a software rasteriser the fragments of the spheres are most of a frame.
#import bevy_pbr::forward_io::VertexOutput

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> atom_color: vec4<f32>;

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
#ifdef VERTEX_COLORS
    return vec4<f32>(atom_color.rgb * in.color.rgb, atom_color.a);
#else
    return atom_color;
#endif
}
