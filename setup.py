"""The build copies the shipped content (scripts/ and objections/ at the top of the
checkout) into the package, so that a wheel carries it without symbolic links; an
editable install reads the checkout's own folders (callassist/core/shipped.py)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithContent(build_py):
    def run(self) -> None:
        # What an earlier build left (a module since removed, the devtools) must not ship.
        shutil.rmtree(Path(self.build_lib) / "callassist", ignore_errors=True)
        super().run()
        if self.editable_mode:
            return
        for name in ("scripts", "objections"):
            target = Path(self.build_lib) / "callassist" / "content" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target, symlinks=False)


setup(cmdclass={"build_py": BuildWithContent})
