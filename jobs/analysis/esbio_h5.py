"""What the plot scripts share: their command line and checked reading of esbio's HDF5 files."""
import os
import sys

import h5py


def paths(usage):
    """(input file, output PNG) from the command line: OUT defaults to the input's name with .png;
    anything else prints the script's usage and exits."""
    if len(sys.argv) not in (2, 3):
        sys.exit(usage)
    path = sys.argv[1]
    return path, sys.argv[2] if len(sys.argv) == 3 else path.rsplit(".", 1)[0] + ".png"


def open_checked(path, fmt, what):
    """The HDF5 file at path, or exit with one line if it is not an esbio file of format fmt."""
    f = h5py.File(path, "r")
    if f.attrs.get("format") != fmt:
        f.close()
        sys.exit(f"{os.path.basename(sys.argv[0])}: {path} is not an esbio {what} file")
    return f


def datasets(group):
    """Every dataset of an HDF5 group, read into memory, by name."""
    return {k: group[k][()] for k in group}
