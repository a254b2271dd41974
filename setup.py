"""Builds the pathwise Python package with the project's CMake build (offline):

    pip install --no-build-isolation --no-index .   (in a venv: python3 -m venv --system-site-packages)

uses Debian's setuptools and wheel, and CMake, pybind11-dev and python3-dev from
tools/install-deps.sh. PATHWISE_CMAKE_ARGS adds arguments to the CMake configure step.
"""
import os
import shlex
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


def version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        for line in f:
            if line.strip().startswith("project(pathwise"):
                return line.split("VERSION")[1].split()[0].strip(")")
    return "0"


class CMakeBuild(build_ext):
    """Configures the CMake project with only the library and the module, builds the module
    and puts it where setuptools packs it."""

    def build_extension(self, ext):
        target = os.path.abspath(os.path.dirname(self.get_ext_fullpath(ext.name)))
        build = os.path.abspath(os.path.join(self.build_temp, "cmake"))
        args = ["-DCMAKE_BUILD_TYPE=Release", "-DPATHWISE_PYTHON=ON",
                "-DPATHWISE_BUILD_TESTS=OFF", "-DPATHWISE_BUILD_EXAMPLES=OFF",
                "-DPATHWISE_BUILD_TOOLS=OFF", "-DPATHWISE_BUILD_BENCHMARKS=OFF",
                "-DPATHWISE_INSTALL=OFF", "-DPython3_EXECUTABLE=" + sys.executable]
        args += shlex.split(os.environ.get("PATHWISE_CMAKE_ARGS", ""))
        subprocess.check_call(["cmake", "-S", ROOT, "-B", build] + args)
        subprocess.check_call(["cmake", "--build", build, "--target", "pathwise_python",
                               "-j", os.environ.get("PATHWISE_JOBS", "2")])
        built = os.path.join(build, "python", "pathwise")
        os.makedirs(target, exist_ok=True)
        for name in os.listdir(built):
            if name.startswith("_native") and name.endswith(".so"):
                self.copy_file(os.path.join(built, name), os.path.join(target, name))


setup(
    name="pathwise",
    version=version(),
    description="Bayesian Knowledge Tracing and an adaptive learning engine (Pathwise, C++)",
    license="MIT",
    packages=["pathwise"],
    package_dir={"": "python"},
    ext_modules=[Extension("pathwise._native", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.7",
    extras_require={"frames": ["numpy", "pandas"]},
    zip_safe=False,
)
