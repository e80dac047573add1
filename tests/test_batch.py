"""`srcodec batch`: planning, the manifest, resume after a kill, bad files, the engines."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from typing import TYPE_CHECKING

import pytest
from conftest import synthetic
from PIL import Image

from srcodec.batch import engines, tree
from srcodec.batch.manifest import NAME, SEGMENTS, Manifest
from srcodec.batch.runner import run_batch
from srcodec.batch.settings import Settings
from srcodec.batch.work import Result
from srcodec.errors import BackendUnavailableError, SrcodecWarning, UsageError

if TYPE_CHECKING:
    from pathlib import Path

# manual mode, plain decode: fast, and no torch in the workers
FAST = {"base": "avif", "quality": 50, "upscaler": "bicubic"}
FAST_ARGS = ["--base", "avif", "--quality", "50", "--upscaler", "bicubic"]
ENCODE = Settings("encode", encode=FAST)
DECODE = Settings("decode", decode={"device": "cpu"})


def make_tree(root: Path, names: list[str], size: tuple[int, int] = (64, 48)) -> None:
    for i, name in enumerate(names):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(synthetic(*size, seed=i)).save(path)


def files(root: Path) -> dict[str, bytes]:
    """The tree's visible files and their bytes (the manifest and temp files are hidden)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def manifest_sources(root: Path) -> list[str]:
    path = root / NAME
    lines = path.read_bytes().splitlines() if path.exists() else []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line)["src"])
        except ValueError:
            pass  # torn by the kill
    return out


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "srcodec", "batch", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


# ---------------------------------------------------------------- settings and the plan


def test_output_names_and_what_each_mode_takes() -> None:
    assert ENCODE.output_name("a/b.photo.png") == "a/b.photo.srz"
    assert Settings("decode", ext=".webp").output_name("a/b.srz") == "a/b.webp"
    assert ENCODE.wants("x.PNG")
    assert ENCODE.wants("x.jpg")
    assert not ENCODE.wants("x.srz")
    assert not ENCODE.wants("notes.txt")
    assert DECODE.wants("x.srz")
    assert not DECODE.wants("x.png")


def test_settings_key_follows_what_shapes_the_bytes() -> None:
    other_q = Settings("encode", encode={**FAST, "quality": 51})
    on_gpu = Settings("encode", encode={**FAST, "device": "cuda"})
    assert ENCODE.key() != other_q.key()
    assert ENCODE.key() == on_gpu.key()


def test_plan_skips_hidden_counts_others_refuses_clashes(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_tree(src, ["a.png", "a.jpg", "sub/b.png", ".hidden/c.png", "sub/.d.png"])
    (src / "notes.txt").write_text("not an image")
    dst.mkdir()
    (dst / "sub").mkdir()
    (dst / "sub" / ".b.srz.k3j4h5g6.tmp").write_bytes(b"half")  # left by a killed run
    (dst / ".unrelated.tmp").write_bytes(b"")
    src_fs, src_root = tree.open_fs(str(src))
    dst_fs, dst_root = tree.open_fs(str(dst))
    p = tree.plan(src_fs, src_root, dst_fs, dst_root, ENCODE)
    assert [(t.rel, t.out_rel) for t in p.tasks] == [("a.jpg", "a.srz"), ("sub/b.png", "sub/b.srz")]
    assert p.refused == [("a.png", "its output a.srz is also a.jpg's")]
    assert p.other == 1
    assert p.stale == [f"{dst_root}/sub/.b.srz.k3j4h5g6.tmp"]


def test_bad_roots_and_options_are_usage_errors(tmp_path: Path) -> None:
    make_tree(tmp_path / "src", ["a.png"])
    with pytest.raises(UsageError, match="no such folder"):
        run_batch(str(tmp_path / "nope"), str(tmp_path / "out"), ENCODE)
    with pytest.raises(UsageError, match="inside SRC"):
        run_batch(str(tmp_path / "src"), str(tmp_path / "src" / "out"), ENCODE)
    lossless_q = Settings("encode", encode={"base": "png", "quality": 50})
    with pytest.raises(UsageError, match="lossless"):
        run_batch(str(tmp_path / "src"), str(tmp_path / "out"), lossless_q)
    two = Settings("encode", encode={"quality": 50, "target_psnr": 30.0})
    with pytest.raises(UsageError, match="give one target"):
        run_batch(str(tmp_path / "src"), str(tmp_path / "out"), two)
    assert not (tmp_path / "out").exists()  # refused before anything was written


# ---------------------------------------------------------------- the manifest


def test_manifest_tolerates_a_torn_line_and_appends_after_it(tmp_path: Path) -> None:
    good = {"src": "a.png", "out": "a.srz"}
    (tmp_path / NAME).write_bytes(json.dumps(good).encode() + b'\n{"src": "b.p')
    fs, root = tree.open_fs(str(tmp_path))
    m = Manifest(fs, root)
    assert set(m.load()) == {"a.png"}
    m.record({"src": "c.png", "out": "c.srz"})
    m.close()
    assert set(Manifest(fs, root).load()) == {"a.png", "c.png"}
    assert (tmp_path / NAME).read_bytes().endswith(b"\n")


def test_a_manifest_line_that_does_not_parse_is_skipped_once_and_its_file_redone(
    tmp_path: Path,
) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    make_tree(src, ["a.png", "b.png"])
    assert run_batch(str(src), str(out), ENCODE, jobs=1).done == 2
    lines = (out / NAME).read_bytes().splitlines()
    damaged = [b"[" * 200_000 if b'"b.png"' in line else line for line in lines]
    (out / NAME).write_bytes(b"\n".join(damaged) + b"\n")  # json raises RecursionError on it
    with pytest.warns(SrcodecWarning, match="1 line does not parse") as caught:
        rerun = run_batch(str(src), str(out), ENCODE, jobs=1)
    assert len(caught) == 1
    assert (rerun.done, rerun.skipped, rerun.errors) == (1, 1, [])
    assert sorted(manifest_sources(out)) == ["a.png", "b.png"]  # the bad line is gone
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once: the next run has nothing to say
        third = run_batch(str(src), str(out), ENCODE, jobs=1)
    assert (third.done, third.skipped) == (0, 2)


def test_a_symlinked_dst_folder_is_refused_not_written_through(tmp_path: Path) -> None:
    src, out, outside = tmp_path / "src", tmp_path / "out", tmp_path / "outside"
    make_tree(src, ["a.png", "sub/b.png", "link.png"])
    outside.mkdir()
    out.mkdir()
    (out / "sub").symlink_to(outside)
    (out / "link.srz").symlink_to(outside / "link.srz")
    why = "is a symbolic link; outputs stay inside DST"
    for _ in range(2):  # refused on every run, never done
        summary = run_batch(str(src), str(out), ENCODE, jobs=1)
        assert (summary.files, summary.done + summary.skipped) == (3, 1)
        assert summary.errors == [
            ("link.png", f"DST/link.srz {why}"),
            ("sub/b.png", f"DST/sub {why}"),
        ]
        assert list(outside.iterdir()) == []


def test_manifest_on_an_object_store_is_segments_folded_at_close() -> None:
    fs, root = tree.open_fs("memory://manifest-test")
    fs.makedirs(root, exist_ok=True)
    m = Manifest(fs, root)
    m.load()
    m.record({"src": "a.png", "out": "a.srz"})
    m.record({"src": "b.png", "out": "b.srz"})
    assert len(fs.find(f"{root}/{SEGMENTS}")) == 2  # each line its own object, at once
    assert set(Manifest(fs, root).load()) == {"a.png", "b.png"}  # as a kill would leave it
    m.close()
    assert not fs.exists(f"{root}/{SEGMENTS}")
    assert set(Manifest(fs, root).load()) == {"a.png", "b.png"}
    fs.rm(root, recursive=True)


# ---------------------------------------------------------------- runs


def test_encode_decode_rerun_and_what_makes_a_file_go_again(tmp_path: Path) -> None:
    src, out, dec = tmp_path / "src", tmp_path / "out", tmp_path / "dec"
    make_tree(src, ["a.png", "sub/b.png", "sub/deep/c.jpg"])
    first = run_batch(str(src), str(out), ENCODE, jobs=1)
    assert (first.files, first.done, first.skipped, first.errors) == (3, 3, 0, [])
    assert set(files(out)) == {"a.srz", "sub/b.srz", "sub/deep/c.srz"}
    assert first.out_bytes == sum(map(len, files(out).values()))
    assert 0 < first.savings < 100

    again = run_batch(str(src), str(out), ENCODE, jobs=1)
    assert (again.done, again.skipped) == (0, 3)
    assert (again.in_bytes, again.out_bytes) == (first.in_bytes, first.out_bytes)

    (out / "a.srz").unlink()  # output gone
    make_tree(src, ["sub/b.png"], size=(48, 32))  # source changed
    redo = run_batch(str(src), str(out), ENCODE, jobs=1)
    assert (redo.done, redo.skipped) == (2, 1)
    other = Settings("encode", encode={**FAST, "quality": 40})
    assert run_batch(str(src), str(out), other, jobs=1).done == 3  # other settings

    decoded = run_batch(str(out), str(dec), DECODE, jobs=1)
    assert decoded.done == 3
    assert decoded.savings < 0
    with Image.open(dec / "sub" / "deep" / "c.png") as img:
        assert img.size == (64, 48)
        assert "srcodec" in img.info  # provenance kept


def test_a_bad_file_is_reported_and_skipped(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    make_tree(src, ["a.png", "c.png"])
    (src / "b.png").write_bytes(b"\x89PNG but not really")
    summary = run_batch(str(src), str(out), ENCODE, jobs=1)
    assert summary.done == 2
    assert summary.errors == [("b.png", "not an image format Pillow can read")]
    assert set(files(out)) == {"a.srz", "c.srz"}
    assert manifest_sources(out) == ["a.png", "c.png"]  # failures are tried again next run


def test_cli_pool_summary_and_exit_status(tmp_path: Path) -> None:
    make_tree(tmp_path / "src", ["a.png", "sub/b.png", "sub/c.png"])
    (tmp_path / "src" / "sub" / "bad.png").write_bytes(b"junk")
    (tmp_path / "src" / "readme.txt").write_text("left alone")
    r = cli("src", "out", "--jobs", "2", *FAST_ARGS, cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "files     4: 3 done now, 0 already done, 1 errors" in r.stdout
    assert "savings" in r.stdout
    assert "left      1 other files" in r.stdout
    assert r.stderr.strip() == "srcodec: error: sub/bad.png: not an image format Pillow can read"
    assert set(files(tmp_path / "out")) == {"a.srz", "sub/b.srz", "sub/c.srz"}

    r = cli("out", "dec", "--decode", "--format", "webp", "--lr-only", "-q", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert set(files(tmp_path / "dec")) == {"a.webp", "sub/b.webp", "sub/c.webp"}

    r = cli("src", "x", "--decode", "--quality", "50", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr == "srcodec: error: --quality does not apply to --decode\n"
    r = cli("src", "x", "--engine", "ray", cwd=tmp_path)
    assert r.returncode == 2
    assert "Dask" in r.stderr
    assert len(r.stderr.splitlines()) == 1


@pytest.mark.slow
def test_killed_run_resumes_without_redoing_or_losing_anything(tmp_path: Path) -> None:
    names = [f"d{i // 3}/img{i}.png" for i in range(6)]
    make_tree(tmp_path / "src", names, size=(96, 72))
    slow = [*FAST_ARGS, "--speed", "0", "--jobs", "2"]  # ~0.5 s a file: time to kill mid-run
    reference = cli("src", "ref", *slow, cwd=tmp_path)
    assert reference.returncode == 0, reference.stderr

    cmd = [sys.executable, "-m", "srcodec", "batch", "src", "out", *slow]
    proc = subprocess.Popen(cmd, cwd=tmp_path, start_new_session=True)
    deadline = time.monotonic() + 120
    while not manifest_sources(tmp_path / "out") and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its workers, at once
    proc.wait()
    finished = manifest_sources(tmp_path / "out")
    print(f"killed after {len(finished)} of {len(names)} files")
    assert 1 <= len(finished) < len(names), "the kill came too late to test anything"

    rerun = cli("src", "out", *slow, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    redone = len(names) - len(finished)
    assert f"{redone} done now, {len(finished)} already done, 0 errors" in rerun.stdout
    sources = manifest_sources(tmp_path / "out")
    assert sorted(sources) == sorted(names)  # each file finished exactly once
    assert files(tmp_path / "out") == files(tmp_path / "ref")  # nothing lost, nothing torn
    assert not [p for p in (tmp_path / "out").rglob(".*.tmp")]  # no temp litter


# ---------------------------------------------------------------- engines


def crash_on_b(task: tree.Task, job: object) -> Result:
    """A pool worker function that dies (like a segfault) on one file."""
    if task.rel == "b":
        os._exit(3)
    return Result(task, out_bytes=1)


@pytest.mark.slow
def test_a_dying_worker_costs_its_own_file_only() -> None:
    tasks = [tree.Task(rel, rel, rel, rel, 1, "") for rel in "abcde"]
    results = list(engines.local(crash_on_b, tasks, None, jobs=2, threads=False))  # type: ignore[arg-type]
    by_file = {r.task.rel: r.error for r in results}
    assert by_file == {"a": None, "b": engines.CRASHED, "c": None, "d": None, "e": None}


def test_dask_engine_without_dask_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path / "src", ["a.png"])
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were absent
    with pytest.raises(BackendUnavailableError, match=r"pip install 'srcodec\[batch\]'"):
        run_batch(str(tmp_path / "src"), str(tmp_path / "out"), ENCODE, engine="dask")
    assert not (tmp_path / "out").exists()  # refused before anything was written


@pytest.mark.slow
def test_dask_cluster_of_two_workers_on_memory_urls(tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="the `batch` extra (Dask distributed) is absent")
    import fsspec

    make_tree(tmp_path / "src", ["a.png", "sub/b.png", "sub/c.png"])
    (tmp_path / "src" / "sub" / "bad.png").write_bytes(b"junk")
    mem = fsspec.filesystem("memory")
    mem.put(str(tmp_path / "src"), "/dask-src", recursive=True)
    try:
        summary = run_batch("memory://dask-src", "memory://dask-out", ENCODE, engine="dask", jobs=2)
        assert summary.done == 3
        assert summary.errors == [("sub/bad.png", "not an image format Pillow can read")]
        local = run_batch(str(tmp_path / "src"), str(tmp_path / "out"), ENCODE, jobs=1)
        assert local.out_bytes == summary.out_bytes
        for rel, data in files(tmp_path / "out").items():
            assert mem.cat_file(f"/dask-out/{rel}") == data
        assert mem.exists(f"/dask-out/{NAME}")
        assert not mem.exists(f"/dask-out/{SEGMENTS}")
        again = run_batch("memory://dask-src", "memory://dask-out", ENCODE, engine="dask", jobs=2)
        assert (again.done, again.skipped) == (0, 3)
    finally:
        for root in ("/dask-src", "/dask-out"):
            if mem.exists(root):
                mem.rm(root, recursive=True)


@pytest.mark.slow
def test_cli_dask_local_cluster_of_worker_processes(tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="the `batch` extra (Dask distributed) is absent")
    make_tree(tmp_path / "src", ["a.png", "sub/b.png"])
    (tmp_path / "src" / "sub" / "bad.png").write_bytes(b"junk")
    r = cli("src", "dask", "--engine", "dask", "--jobs", "2", *FAST_ARGS, cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "files     3: 2 done now, 0 already done, 1 errors" in r.stdout
    assert r.stderr == "srcodec: error: sub/bad.png: not an image format Pillow can read\n"
    assert cli("src", "pool", "--jobs", "2", *FAST_ARGS, cwd=tmp_path).returncode == 1
    assert files(tmp_path / "dask") == files(tmp_path / "pool")
