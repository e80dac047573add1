"""Training for every learned tool, in one small package (never imported by encode/decode).

    families.py      the registry: `python tools/train.py <family> ...` trains any family
    data.py          training images, degradation through the real resample + base codecs,
                     crops and batch tensors
    loop.py          one resumable loop: model, optimiser, EMA, schedule and data order in
                     one small checkpoint (weights_only=True), time budget, validation log
    cli.py           the loop's command line, shared by every family the loop trains
    compact.py       the checkpoint's compact weight and optimiser encoding
    export.py        checkpoint -> shipped .npz + manifest entry (every family writes here)
    restore.py       restore, restore-x2, restore-x2-learned, restore-x1-learned (loop)
    perceptual.py    restore-perceptual, restore-x2-perceptual (loop)
    learned_base.py  learned-base, srcodec's own base codec (loop)
    cnn.py           the cnn upscaler (its own cosine-schedule loop)
    raisr.py         RAISR filter banks (closed-form ridge fit)
    context_model.py the learned base's context model (closed-form count)

Checkpoints of the loop families live in training/<run>/ and are committed, so each session
adds CPU-hours to the last one's, on any machine.
"""
