"""The cost of augmenting D's images (issue 26): steps/s of a variant's training step with
`--augment=none`, `ada` (at a fixed strength p) and `diffaugment`, without and with XLA, all
timed in one process in interleaved rounds.

    taskset -c 1 python -m benchmarks.augment_speed --variant=dcgan --rounds=3 --steps=20
    taskset -c 1 python -m benchmarks.augment_speed --variant=stylegan2 --steps=5

ADA is timed at p = --ada_p (its speed set so that p stays there). Its geometric resampling
runs on every batch whatever p (images that do not move are selected back unchanged), so its
cost hardly depends on p.
"""

from __future__ import annotations

from absl import app, flags

from benchmarks import step_timing

FLAGS = flags.FLAGS
flags.DEFINE_enum("variant", "dcgan", ["dcgan", "stylegan2"], "dcgan (28x28) or stylegan2 (small).")
flags.DEFINE_integer("rounds", 3, "Rounds; each times every setting in turn.")
flags.DEFINE_integer("steps", 20, "Steps per setting and round.")
flags.DEFINE_float("ada_p", 0.5, "ADA's strength while timed.")
flags.DEFINE_list("jit", ["graph", "xla"], "Which step compilations to time.")

AUGMENTS = ("none", "ada", "diffaugment")


def build(augment: str, jit: bool):
    from gan_tf import configs
    from gan_tf.models.zoo import build_model

    settings = {"dataset": "fashion_mnist", "augment": augment, "jit_compile": jit}
    if FLAGS.variant == "stylegan2":
        settings.update(preset="small")
    if augment == "ada":
        settings["ada_images"] = 10**9  # p stays at --ada_p while timed
    config = configs.get(FLAGS.variant, **settings)
    model = build_model(config)
    if augment == "ada":
        model.augmentation.p.assign(FLAGS.ada_p)
    return model, config


def main(argv: list[str]) -> None:
    del argv
    import tensorflow as tf

    steps = {}
    for jit_name in FLAGS.jit:
        for augment in AUGMENTS:
            model, config = build(augment, jit_name == "xla")
            side = config.image_size
            real = tf.random.stateless_uniform([config.batch_size, side, side, 1], [3, 4], -1, 1)
            steps[augment, jit_name], first = step_timing.prepared_step(model, real)
            print(f"{augment}, {jit_name}: first step {first:.1f} s", flush=True)
    rates = step_timing.interleaved_rates(
        steps,
        FLAGS.rounds,
        FLAGS.steps,
        lambda r, key, rate: print(f"round {r}, {key[0]}, {key[1]}: {rate:.2f} steps/s"),
    )
    print(f"\n{FLAGS.variant}, median of {FLAGS.rounds} rounds of {FLAGS.steps} steps (CPU):")
    print("| augment | compilation | steps/s | time per step vs none |")
    print("|---|---|---|---|")
    for (augment, jit_name), rate in rates.items():
        print(f"| {augment} | {jit_name} | {rate:.2f} | {rates['none', jit_name] / rate:.2f}x |")


if __name__ == "__main__":
    app.run(main)
