//! LAMMPS `metal` unit constants (the values LAMMPS itself uses, so results compare bit for bit).

/// Boltzmann constant (eV/K).
pub const BOLTZMANN_EV_PER_K: f64 = 8.617343e-5;
/// m·v² in amu·Å²/ps² → eV (LAMMPS `mvv2e`).
pub const MVV2E: f64 = 1.0364269e-4;
/// Force·time/mass in (eV/Å)·ps/amu → Å/ps (LAMMPS `ftm2v`).
pub const FTM2V: f64 = 1.0 / 1.0364269e-4;
/// Pressure·volume in eV/Å³ → bar (LAMMPS `nktv2p`).
pub const NKTV2P: f64 = 1.602_176_5e6;
/// One atomic mass unit in grams.
pub const AMU_TO_GRAM: f64 = 1.660_539_066_60e-24;
/// Boltzmann constant as CODATA 2018 gives it (eV/K), for the analysis side (SCIENCE.md).
pub const BOLTZMANN_CODATA_EV_PER_K: f64 = 8.617_333_262e-5;

/// The hottest temperature any run accepts (K): far above any melt (Cu–Zr melts near
/// 1200 K), so only a typo is refused, before it runs (1e9 K blows the first step up).
pub const MAX_TEMPERATURE_K: f64 = 1e5;

/// SI prefixes for a time in picoseconds: (picoseconds per unit, symbol), smallest first.
const TIME_UNITS_PS: [(f64, &str); 6] = [
    (1e-3, "fs"),
    (1.0, "ps"),
    (1e3, "ns"),
    (1e6, "µs"),
    (1e9, "ms"),
    (1e12, "s"),
];

/// A time for people to read: three significant figures in the SI unit (fs, ps, ns, µs, ms,
/// s) that puts the number in [1, 1000), e.g. 4742 ps → "4.74 ns", 3.602e9 ps → "3.60 ms".
/// Below 1 fs it stays in fs, at or above 1000 s in s (with an exponent from 10⁴ s on, as a
/// boosted clock can run to ages); zero is "0 ps". Every time read-out of the app goes
/// through here, so the units are the same everywhere.
pub fn format_time_ps(time_ps: f64) -> String {
    if !time_ps.is_finite() {
        return format!("{time_ps} ps");
    }
    if time_ps == 0.0 {
        return "0 ps".into();
    }
    let sign = if time_ps < 0.0 { "-" } else { "" };
    let magnitude = round_significant(time_ps.abs(), 3);
    let (per_unit, symbol) = TIME_UNITS_PS
        .iter()
        .rev()
        .find(|(per_unit, _)| magnitude >= *per_unit)
        .unwrap_or(&TIME_UNITS_PS[0]);
    let value = magnitude / per_unit;
    if !(1e-3..1e4).contains(&value) {
        return format!("{sign}{value:.2e} {symbol}");
    }
    // Three significant figures: 2 decimals for 1–9.99, 1 for 10–99.9, 0 for 100–999.
    let decimals = (2 - value.log10().floor() as i32).max(0) as usize;
    format!("{sign}{value:.decimals$} {symbol}")
}

/// `x` (> 0) rounded to `digits` significant figures, so that 999.96 becomes 1000 before a
/// unit is chosen for it (and is shown as 1.00 ns, not 1000 ps).
fn round_significant(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(x.log10().floor() as i32 - (digits - 1));
    (x / scale).round() * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_take_the_si_prefix_that_puts_three_figures_in_one_to_a_thousand() {
        let cases = [
            (0.0, "0 ps"),
            (4742.0, "4.74 ns"),
            (12.0, "12.0 ps"),
            (112.04, "112 ps"),
            (3.602e9, "3.60 ms"),
            (0.5, "500 fs"),
            (0.002, "2.00 fs"),
            (1.5e12, "1.50 s"),
            (-2.5, "-2.50 ps"),
            (7.25e6, "7.25 µs"),
            (999.0, "999 ps"),
        ];
        for (ps, text) in cases {
            assert_eq!(format_time_ps(ps), text, "{ps} ps");
        }
    }

    #[test]
    fn rounding_up_to_a_thousand_moves_to_the_next_unit() {
        assert_eq!(format_time_ps(999.96), "1.00 ns");
        assert_eq!(format_time_ps(0.99996), "1.00 ps");
        assert_eq!(format_time_ps(999_960.0), "1.00 µs");
    }

    #[test]
    fn beyond_the_prefixes_the_number_keeps_the_unit_and_gains_an_exponent() {
        assert_eq!(format_time_ps(2.0e15), "2000 s");
        assert_eq!(format_time_ps(2.0e16), "2.00e4 s");
        assert_eq!(format_time_ps(1.0e-7), "1.00e-4 fs");
        assert_eq!(format_time_ps(f64::INFINITY), "inf ps");
    }

    #[test]
    fn every_time_reads_back_to_within_its_rounding() {
        // Parse what is printed and compare with the input: at most half a unit in the
        // third significant figure apart (0.5 %), over 30 decades.
        for k in -60..=90 {
            let ps = 1.37f64 * 10f64.powf(f64::from(k) / 5.0);
            let text = format_time_ps(ps);
            let (number, symbol) = text.split_once(' ').expect("number and unit");
            let per_unit = TIME_UNITS_PS
                .iter()
                .find(|(_, s)| *s == symbol)
                .unwrap_or_else(|| panic!("unknown unit in {text}"))
                .0;
            let back = number.parse::<f64>().expect("a number") * per_unit;
            assert!(
                ((back - ps) / ps).abs() <= 5e-3,
                "{ps} ps printed as {text}"
            );
        }
    }
}
