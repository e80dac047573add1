"""`srcodec batch`: transcode a tree of images (or .srz streams), resumably, in parallel.

- settings.py: what to do to each file (encode or decode options), checked up front
- tree.py: list the source tree (any fsspec URL) and name each output
- manifest.py: the record of finished outputs that makes a killed run resumable
- work.py: the per-file function every engine runs (read, transcode, write atomically)
- engines.py: where that function runs: in-process, a local process pool, or Dask
- runner.py: plan, skip what is done, run the rest, record, summarise

The command line (`srcodec batch`) is srcodec.cli.batch.
"""

from __future__ import annotations
