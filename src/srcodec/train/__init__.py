"""Training for every learned tool, in one small package (never imported by encode/decode).

    data.py     training images, degradation through the real resample + base codecs, crops
    loop.py     one resumable loop: model, optimiser, EMA, schedule and data order in one
                small checkpoint (weights_only=True), time budget per run, validation log
    export.py   checkpoint -> shipped .npz + manifest entry
    families.py what each model family adds: its arch, its batch and its loss

Entry point: tools/train.py. Checkpoints live in training/<run>/ and are committed, so each
session adds CPU-hours to the last one's, on any machine.
"""
