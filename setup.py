"""Build the one native extension: the GAEN matching hot loop over OpenSSL's libcrypto.

Everything else about the package lives in pyproject.toml; setuptools needs this file only
because extension modules cannot be declared there.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "civitrace.en._native",
            sources=["src/civitrace/en/_native.c"],
            libraries=["crypto"],
            extra_compile_args=["-O3", "-std=c11", "-Wall", "-Wextra"],
        )
    ]
)
