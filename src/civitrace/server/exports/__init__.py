"""Export batches (DESIGN §3, issue 4): signed, padded GAEN key files per region and window.

- :mod:`.settings` — :class:`ExportSettings` (defaults, storage, retention; unsafe values refused);
- :mod:`.config` — per-region configuration and window arithmetic;
- :mod:`.signing` — export signing keys, encrypted at rest with the KEK;
- :mod:`.batcher` — pending windows to files: select, pad, shuffle, split, sign, write, index;
- :mod:`.storage` — the storage interface and its local, in-memory and S3 implementations;
- :mod:`.cleanup` — retention of export files;
- :mod:`.views` — ``GET /exports/{region}/{name}`` from the local storage.

The file format itself is :mod:`civitrace.en.export`'s; nothing here encodes protobuf.
"""
