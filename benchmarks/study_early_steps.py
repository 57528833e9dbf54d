"""The first steps of the study's NS GAN (InfoGAN networks, MNIST): does G learn strokes?

    taskset -c 1 python -m benchmarks.study_early_steps --manual_dir=../shared/data

Trains the NS GAN of `gan_tf.configs.study` for `--steps` steps under a few settings and,
every `--report_every` steps, prints G's samples in training mode (256 fixed z): the mean
pixel, the standard deviation within an image (real MNIST digits: about 0.6 in [-1, 1]; a
blank image: 0) and across z, the brightest pixel, with D's outputs and G's gradient norm
averaged over those steps. A Markdown table of the last report per setting ends the output.
"""

from __future__ import annotations

import time

from absl import app, flags

FLAGS = flags.FLAGS

# name: (learning rate of D, learning rate of G, D's batch norm)
SETTINGS = {
    "bn_equal_lr": (2e-4, 2e-4, True),
    "bn_g_lr_x5": (2e-4, 1e-3, True),
    "no_bn_equal_lr": (2e-4, 2e-4, False),
}


def run(name: str) -> dict[str, float]:
    import keras

    from gan_tf import configs
    from gan_tf.api import build
    from gan_tf.configs import study

    d_rate, g_rate, batch_norm = SETTINGS[name]
    loss = study.LOSSES["ns_gan"]
    overrides = loss.overrides(study.Setting(d_rate, 0.5, 1, d_batch_norm=batch_norm))
    config = configs.get(
        loss.variant,
        dataset="mnist",
        manual_dir=FLAGS.manual_dir,
        train_steps=FLAGS.steps,
        **{**overrides, "g_learning_rate": g_rate},
    )
    model = build(config)
    z = model.fixed_latents((256,), seed=[1, 1])
    begin, last = time.monotonic(), {}

    def report(epoch: int, logs: dict) -> None:
        x = keras.ops.convert_to_numpy(model.generator(z, training=True))
        last.update(
            step=(epoch + 1) * FLAGS.report_every,
            mean=float(x.mean()),
            within=float(x.reshape(len(x), -1).std(axis=1).mean()),
            across=float(x.std(axis=0).mean()),
            brightest=float(x.max()),
            **{k: float(logs[k]) for k in ("d_real", "d_fake", "g_grad_norm")},
        )
        values = "  ".join(f"{k}={v:.3f}" for k, v in last.items() if k != "step")
        print(
            f"{name} step {last['step']} ({time.monotonic() - begin:.0f} s)  {values}", flush=True
        )

    model.fit(
        config.training_pipeline(),
        steps_per_epoch=FLAGS.report_every,
        epochs=FLAGS.steps // FLAGS.report_every,
        verbose=0,
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=report)],
    )
    return last


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    unknown = sorted(set(FLAGS.settings) - set(SETTINGS))
    if unknown:
        raise app.UsageError(f"unknown settings {unknown}: choose from {', '.join(SETTINGS)}")
    rows = {name: run(name) for name in FLAGS.settings}
    print(
        "\n| setting | step | mean | std within an image | std across z | brightest | "
        "D(x) | D(G(z)) | G's gradient norm |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['step']} | {r['mean']:.3f} | {r['within']:.3f} | {r['across']:.3f} "
            f"| {r['brightest']:.2f} | {r['d_real']:.3f} | {r['d_fake']:.3f} | "
            f"{r['g_grad_norm']:.3f} |"
        )


if __name__ == "__main__":
    flags.DEFINE_list("settings", list(SETTINGS), "Settings to train: " + ", ".join(SETTINGS))
    flags.DEFINE_integer("steps", 500, "Training steps per setting.", lower_bound=1)
    flags.DEFINE_integer("report_every", 250, "Steps between reports.", lower_bound=1)
    flags.DEFINE_string("manual_dir", None, "Folder with the MNIST archives.")
    app.run(main)
