"""Samples from a trained run: a grid of images, or a walk through the latent space.

    python -m gan_tf.generate --workdir=runs/dcgan_mnist --num=64 --out=grid.png
    python -m gan_tf.generate --workdir=runs/dcgan_mnist --interpolate --out=walk.png
    python -m gan_tf.generate --workdir=runs/cgan_mnist --label=7 --out=sevens.png
    python -m gan_tf.generate --workdir=runs/biggan_cifar10 --truncation=0.5 --out=t05.png
    python -m gan_tf.generate --workdir=runs/stylegan2 --truncation_psi=0.7 --out=psi07.png
    python -m gan_tf.generate --workdir=runs/stylegan2 --style_mix=coarse --num=5 --rows=4

The run's `run.json` rebuilds the networks; the last checkpoint (or `--checkpoint`) gives the
weights. A run with an EMA generator (`--ema_decay`) is sampled through it, unless
`--raw_generator` is given. `--interpolate` draws `--rows` pairs of noise vectors and decodes
`--steps` points on the straight line between each pair (the latent walk of Radford et al.
2016, sec. 6.1). `--truncation=t` draws z from the normal truncated at t (the truncation trick
of Brock et al. 2019, sec. 3.1; `--truncation_mode=rescale` for TF-Hub's form), and
`--standing_stats=N` sets the batch norms' statistics to their average over N batches of
samples first (standing statistics, ibid. appendix C.1). For a style-based generator
(StyleGAN2), `--truncation_psi=psi` moves w toward its average by psi on the first
`--truncation_cutoff` layers (Karras et al. 2019, sec. 3.1, eq. 3), and `--style_mix=group`
writes the figure of their Fig. 3: `--num` sources across the top, `--rows` destinations down
the left, each cell the destination with the group's styles (coarse, middle, fine, or a range
of ws "i-j") from the source, with each layer's noise fixed. `--out` is written in the format
its suffix names: .png or .jpg / .jpeg.
"""

from __future__ import annotations

import pathlib
import sys

from absl import app, flags

from gan_tf.errors import UsageError

FLAGS = flags.FLAGS


def define_flags() -> None:
    """The command-line flags (defined by ``__main__`` only, so importing this module, e.g. for
    `load_run` in a notebook beside an experiment module, defines no flags)."""
    flags.DEFINE_string("workdir", None, "A run's workdir (holding run.json and checkpoints/).")
    flags.DEFINE_string("checkpoint", None, "A checkpoint path; default: the run's latest.")
    flags.DEFINE_string("out", "samples.png", "Output image: .png, or .jpg / .jpeg.")
    flags.DEFINE_integer("num", 64, "Number of samples in the grid.", lower_bound=1)
    flags.DEFINE_integer("seed", 0, "Seed of the noise.")
    flags.DEFINE_integer(
        "label", None, "Class of every sample (conditional runs only).", lower_bound=0
    )
    flags.DEFINE_bool("interpolate", False, "Write latent interpolation strips instead of a grid.")
    flags.DEFINE_integer(
        "rows", 8, "Interpolation strips (one pair of endpoints each).", lower_bound=1
    )
    flags.DEFINE_integer("steps", 10, "Images per interpolation strip.", lower_bound=2)
    flags.DEFINE_bool(
        "raw_generator", False, "Sample G itself, not its EMA (for runs with --ema_decay)."
    )
    flags.DEFINE_float(
        "truncation",
        None,
        "Truncation threshold for z (e.g. 0.5; Brock et al. 2019, sec. 3.1); unset: none.",
    )
    flags.DEFINE_enum(
        "truncation_mode",
        "resample",
        ["resample", "rescale"],
        "resample: z ~ N(0, I) with values beyond the threshold redrawn (the paper's); "
        "rescale: threshold * TN(-2, 2) (TF-Hub's BigGAN).",
    )
    flags.DEFINE_integer(
        "standing_stats",
        0,
        "Batches of samples whose average batch-norm statistics replace the moving ones "
        "before sampling (Brock et al. 2019, appendix C.1); 0: off.",
        lower_bound=0,
    )
    flags.DEFINE_float(
        "truncation_psi",
        None,
        "Style-based generators: w' = w_avg + psi (w - w_avg) (Karras et al. 2019, sec. 3.1; "
        "e.g. 0.7); unset: none.",
    )
    flags.DEFINE_integer(
        "truncation_cutoff", None, "Truncate only the first N ws (StyleGAN: 8); unset: all."
    )
    flags.DEFINE_string(
        "style_mix",
        None,
        "Write a style-mixing figure (Karras et al. 2019, Fig. 3): the styles copied from the "
        "sources, coarse, middle, fine, or ws i-j.",
    )
    flags.mark_flag_as_required("workdir")


# --out suffix -> the format written.
FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}


def image_format(path: str) -> str:
    """The format `path`'s suffix names (png or jpeg); UsageError for any other suffix."""
    suffix = pathlib.Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(
            f"--out={path}: cannot write {suffix or 'a file without suffix'}: name a .png, "
            ".jpg or .jpeg file"
        )
    return FORMATS[suffix]


def save_image(path: str, image) -> pathlib.Path:
    """Writes a uint8 (H, W, C) image in the format of `path`'s suffix, creating its folder."""
    import tensorflow as tf

    encode = {"png": tf.io.encode_png, "jpeg": lambda x: tf.io.encode_jpeg(x, quality=95)}
    out = pathlib.Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(encode[image_format(path)](image).numpy())
    return out


def load_run(workdir: str, checkpoint: str | None = None):
    """(model, config, step): see `gan_tf.training.checkpoints.load_run`."""
    from gan_tf.training.checkpoints import load_run as load

    return load(workdir, checkpoint)


def latent_interpolation(z_start, z_end, steps: int):
    """Points on the segment from z_start to z_end: (rows, steps, latent) flattened row-major."""
    import tensorflow as tf

    t = tf.reshape(tf.linspace(0.0, 1.0, steps), [1, steps, 1])
    z = z_start[:, None, :] * (1.0 - t) + z_end[:, None, :] * t
    return tf.reshape(z, [-1, z_start.shape[-1]])


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        fail(UsageError(f"unexpected arguments: {' '.join(argv[1:])}"))
    try:
        image_format(FLAGS.out)  # before the run is loaded
        if FLAGS.truncation is not None and FLAGS.truncation <= 0:
            raise UsageError(f"--truncation must be > 0, got {FLAGS.truncation}")
        import tensorflow as tf

        from gan_tf.images import image_grid
        from gan_tf.training.samples import generate_images

        model, config, step = load_run(FLAGS.workdir, FLAGS.checkpoint)
        labels = None
        if FLAGS.label is not None:
            if not config.num_classes:
                raise UsageError(f"--label needs a conditional run; {config.variant} is not")
            if FLAGS.label >= config.num_classes:
                raise UsageError(f"--label must be below {config.num_classes}")
        if FLAGS.truncation is not None and config.latent_distribution != "normal":
            raise UsageError(
                "--truncation truncates a normal z; this run draws z from "
                f"{config.latent_distribution}"
            )
        truncation = {"truncation": FLAGS.truncation, "truncation_mode": FLAGS.truncation_mode}
        if FLAGS.standing_stats:
            layers = model.standing_statistics(FLAGS.standing_stats, ema=not FLAGS.raw_generator)
            if not layers:
                raise UsageError("--standing_stats needs a generator with batch norm")
        if FLAGS.interpolate:
            ends = model.fixed_latents((2, FLAGS.rows), seed=[FLAGS.seed, 7], **truncation)
            z = latent_interpolation(ends[0], ends[1], FLAGS.steps)
            rows = FLAGS.rows
        else:
            z = model.fixed_latents((FLAGS.num,), seed=[FLAGS.seed, 7], **truncation)
            rows = None
        if config.num_classes:
            n = int(z.shape[0])
            if FLAGS.label is not None:
                labels = tf.fill([n], FLAGS.label)
            else:  # cycle through the classes
                labels = tf.range(n, dtype=tf.int32) % config.num_classes
        network = model.generator if FLAGS.raw_generator or model.ema is None else model.ema.network
        style_based = hasattr(network, "truncate")
        if (FLAGS.truncation_psi is not None or FLAGS.style_mix) and not style_based:
            raise UsageError(
                f"--truncation_psi and --style_mix need a style-based generator; {config.variant}"
                " has none (use --truncation)"
            )
        # A config's sampling default (StyleGAN: psi 0.7 on 8 layers) unless a flag is given.
        psi = FLAGS.truncation_psi
        cutoff = FLAGS.truncation_cutoff
        if psi is None and getattr(config, "truncation_psi", None) is not None:
            psi, cutoff = config.truncation_psi, cutoff or config.truncation_cutoff
        if psi is not None:
            network.truncation_psi, network.truncation_cutoff = psi, cutoff
        if FLAGS.style_mix:
            sources = model.fixed_latents((FLAGS.num,), seed=[FLAGS.seed, 7])
            destinations = model.fixed_latents((FLAGS.rows,), seed=[FLAGS.seed, 8])
            images = style_mixing_figure(network, sources, destinations, FLAGS.style_mix)
            rows = FLAGS.rows + 1
        else:
            images = generate_images(model, z, labels, raw_generator=FLAGS.raw_generator)
        grid = image_grid(images, rows=rows)
        path = save_image(FLAGS.out, grid)
        print(f"wrote {path} from {FLAGS.workdir} at step {step}")
    except UsageError as e:
        fail(e)


def style_layer_range(network, spec: str) -> tuple[int, int]:
    """[begin, end) of the ws `spec` names: a style group or an inclusive range "i-j"."""
    from gan_tf.networks.stylegan2 import STYLE_GROUPS, style_layers

    if spec in STYLE_GROUPS:
        return style_layers(network.resolution, spec)
    try:
        begin, end = (int(part) for part in spec.split("-"))
    except ValueError:
        raise UsageError(
            f"--style_mix takes {', '.join(STYLE_GROUPS)} or a range of ws i-j, got {spec!r}"
        ) from None
    if not 0 <= begin <= end < network.num_ws:
        raise UsageError(f"--style_mix={spec}: the generator's ws are 0-{network.num_ws - 1}")
    return begin, end + 1


def style_mixing_figure(network, sources, destinations, spec: str):
    """The images of Fig. 3 of Karras et al. 2019, row-major: a blank cell and the sources,
    then per destination the destination and its mix with each source (noise fixed)."""
    import numpy as np
    import tensorflow as tf

    begin, end = style_layer_range(network, spec)

    def styles(z):
        ws = network.mapping(z)
        if network.truncation_psi != 1.0:
            ws = network.truncate(ws, network.truncation_psi, network.truncation_cutoff)
        return ws

    source_ws, destination_ws = styles(sources), styles(destinations)
    render = lambda ws: np.asarray(network.synthesize(ws, noise_mode="const"))  # noqa: E731
    top = render(source_ws)
    cells = [np.full_like(top[:1], -1.0), top]
    for row in range(int(destinations.shape[0])):
        destination = tf.repeat(destination_ws[row : row + 1], sources.shape[0], axis=0)
        cells += [render(destination_ws[row : row + 1])]
        cells += [render(network.mix(destination, source_ws, begin, end))]
    return np.concatenate(cells)


def fail(error: UsageError) -> None:
    """`generate: error: <message>` on stderr, exit status 2."""
    print(f"generate: error: {error}", file=sys.stderr)
    sys.exit(2)


def parse_flags(argv: list[str]) -> list[str]:
    """absl's parsing, with a bad or missing flag as one line and exit status 2 (absl's own
    parser prints two lines and exits 1)."""
    try:
        return FLAGS(argv)
    except flags.Error as error:
        fail(UsageError(str(error).splitlines()[0]))


if __name__ == "__main__":
    define_flags()
    app.run(main, flags_parser=parse_flags)
