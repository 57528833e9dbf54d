"""StarGAN (Choi et al. 2018, "StarGAN: Unified Generative Adversarial Networks for
Multi-Domain Image-to-Image Translation"): one generator G(x, c) for every pair of domains and a
discriminator with two heads, D_src (real/fake patches) and D_cls (domain classifier).

Losses (sec. 3 and 3.2, with the WGAN-GP adversarial loss of eq. 8):
    L_D = -L_adv + lambda_cls * L_cls^r                      (eq. 5)
    L_G =  L_adv + lambda_cls * L_cls^f + lambda_rec * L_rec (eq. 6)
    L_adv   = E[D_src(x)] - E[D_src(G(x, c))] - lambda_gp E[(||grad D_src(x_hat)||_2 - 1)^2]
    L_cls^r = E[-log D_cls(c' | x)]        real images, original domain c'     (eq. 2)
    L_cls^f = E[-log D_cls(c | G(x, c))]   fakes, target domain c              (eq. 3)
    L_rec   = E[||x - G(G(x, c), c')||_1]  back to the original domain         (eq. 4)
lambda_cls = 1, lambda_rec = 10, lambda_gp = 10; n_critic = 5 critic updates per generator
update; Adam(1e-4, beta_1=0.5, beta_2=0.999) (sec. 4.4, "Training").

`target_domains="other"` draws every training target among the domains other than the
example's own (one-hot labels), where the authors' code permutes the batch's labels, so that
with k domains a share of about 1/k of the targets is the source itself. The paper says only
that the target label is "randomly generated" (sec. 3.1). An option, not the default: on the
two-domain Fashion-MNIST proof it is the difference between failing and passing.

`adversarial_loss="least_squares"` swaps WGAN-GP for the least-squares loss of Mao et al.
2017 (eq. 2, a = 0, b = 1, c = 1; no penalty), the adversarial loss CycleGAN uses: an
ablation, not the paper, to tell StarGAN's conditioning from its WGAN-GP training dynamics.

`lambda_id > 0` adds an identity term lambda_id * E[||G(x, c') - x||_1] to L_G: translated to
its own domain an image should stay as it is. StarGAN has no such term (nothing in eq. 6 asks
G(x, c') to be x, and the own-domain map is reported, not trained); it is CycleGAN's identity
loss (Zhu et al. 2017, sec. 5.2, after Taigman et al. 2017), an ablation here, 0 by default.

Under mixed precision the critic's outputs are cast to float32 and the gradient penalty
differentiates the critic with respect to a float32 copy of the interpolates, so the penalty and
its input gradients are float32 (`gan_tf.losses.gradient_penalty`).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from gan_tf import losses as gan_losses
from gan_tf.configs.stargan import ADVERSARIAL_LOSSES, StarGANConfig, check_target_domains
from gan_tf.errors import UsageError
from gan_tf.models import replicas
from gan_tf.models.factory import adam_optimizers
from gan_tf.models.regularizers import GradientPenalty, RegularizerInputs, regularize
from gan_tf.models.translation import Logs, TranslationModel, load_held_out
from gan_tf.networks.stargan import stargan_discriminator, stargan_generator

NUM_SAMPLES = 8


def target_labels(
    labels: np.ndarray | tf.Tensor, domain: int, exclusive_groups: Sequence[Sequence[int]]
) -> tf.Tensor:
    """Labels moved to `domain`, as the authors' sample grids do: a domain in an exclusive
    group (hair colors; all one-hot domains) is set and the rest of its group cleared; any
    other binary attribute is flipped."""
    labels = tf.convert_to_tensor(labels, tf.float32)
    size = labels.shape[-1]
    group = next((list(g) for g in exclusive_groups if domain in g), None)
    one = tf.one_hot(domain, size)
    if group is None:
        return tf.abs(labels - one)  # flip
    in_group = tf.reduce_sum(tf.one_hot(group, size), axis=0)
    return labels * (1.0 - in_group) + one


class StarGAN(TranslationModel):
    """StarGAN: the critic's update n_critic times, then the generator's, per train step.

    Each step's batch holds `batch_size * d_steps` examples (the data pipeline gives them at
    once), so each critic update sees fresh real images, as in the adversarial core; the
    generator's update uses the last slice. Target domains are the batch's own labels in a
    random order (the authors' code), which keeps multi-hot labels valid (one hair color), or
    with `target_domains="other"` a random domain other than the source (one-hot labels).

    Args:
      multi_label: labels are independent binary attributes (CelebA) rather than one-hot.
      exclusive_groups: label indices of which exactly one is set (for sample grids).
      adversarial_loss: "wgan_gp" (the paper, eq. 8) or "least_squares" (an ablation).
      target_domains: "shuffle" (the authors' code) or "other" (never the source's domain).
      lambda_id: weight of the identity term G(x, c') ~ x (0, the paper: none).
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        *,
        d_steps: int,
        lambda_cls: float,
        lambda_rec: float,
        lambda_gp: float,
        lambda_id: float,
        multi_label: bool,
        exclusive_groups: Sequence[Sequence[int]],
        adversarial_loss: str,
        target_domains: str,
        seed: int,
        **kwargs,
    ) -> None:
        super().__init__(seed=seed, **kwargs)
        if d_steps < 1:
            raise ValueError(f"d_steps must be >= 1, got {d_steps}")
        if lambda_id < 0:
            raise ValueError(f"lambda_id must be >= 0, got {lambda_id}")
        if adversarial_loss not in ADVERSARIAL_LOSSES:
            raise ValueError(
                f"adversarial_loss={adversarial_loss!r}: choose from "
                + ", ".join(ADVERSARIAL_LOSSES)
            )
        try:  # the builder's check; code that builds the model directly gets a ValueError
            check_target_domains(target_domains, multi_label)
        except UsageError as error:
            raise ValueError(str(error)) from None
        self.adversarial_loss = adversarial_loss
        self.target_domains = target_domains
        self.generator = generator
        self.discriminator = discriminator
        self.d_steps = int(d_steps)
        self.lambda_cls = float(lambda_cls)
        self.lambda_rec = float(lambda_rec)
        self.lambda_gp = float(lambda_gp)
        self.lambda_id = float(lambda_id)
        self.multi_label = bool(multi_label)
        self.exclusive_groups = [list(g) for g in exclusive_groups]
        self.num_domains = int(generator.inputs[1].shape[-1])
        # Eq. 8: WGAN-GP's penalty on D_src, the regulariser WGAN-GP's critic has.
        self.d_regularizers = []
        if adversarial_loss == "wgan_gp":
            self.d_regularizers.append(
                GradientPenalty(weight=self.lambda_gp, critic=lambda m, x, _: m._discriminate(x)[0])
            )

    def translate(self, images: tf.Tensor, domains: tf.Tensor, training: bool = False):
        images = tf.convert_to_tensor(images, tf.float32)
        translated = self.generator([images, tf.cast(domains, tf.float32)], training=training)
        return tf.cast(translated, tf.float32)

    def _discriminate(self, images: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        src, cls = self.discriminator(images, training=True)
        return tf.cast(src, tf.float32), tf.cast(cls, tf.float32)

    def _classification(self, logits, labels) -> tf.Tensor:
        return gan_losses.domain_classification_loss(logits, labels, self.multi_label)

    def _targets(self, labels: tf.Tensor) -> tf.Tensor:
        """Target domains of a batch: its labels permuted by a stateless random order
        ("shuffle"), or for each example one of the other k - 1 domains, uniformly ("other")."""
        batch = labels.shape[0]
        if self.target_domains == "other":
            shift = self.sample_integers(batch, 1, self.num_domains)
            source = tf.argmax(labels, axis=-1, output_type=tf.int32)
            return tf.one_hot((source + shift) % self.num_domains, self.num_domains)
        keys = self.sample_uniform(batch)
        return tf.gather(labels, tf.argsort(keys))

    def train_step(self, data) -> Logs:
        images, labels = data
        labels = tf.cast(labels, tf.float32)
        self.start_step()
        batch = self.critic_batch(images, self.d_steps)

        # 1. n_critic updates of D, each on its own slice of real images.
        for k in range(self.d_steps):
            part = slice(k * batch, (k + 1) * batch)
            d_logs = self.critic_step(images[part], labels[part])
        # 2. One update of G.
        g_logs = self.generator_step(images[part], labels[part])
        return self.finish_step({**d_logs, **g_logs}, images=batch)

    def critic_step(self, real: tf.Tensor, original: tf.Tensor) -> Logs:
        target = self._targets(original)
        fake = tf.stop_gradient(self.translate(real, target, training=True))
        inputs = RegularizerInputs(real_images=real, fake_images=fake)

        def loss_fn():
            # L_D = -L_adv + lambda_cls L_cls^r (eq. 5), L_adv as WGAN-GP (eq. 8) or least squares.
            src_real, cls_real = self._discriminate(real)
            src_fake, _ = self._discriminate(fake)
            classification = self._classification(cls_real, original)
            if self.adversarial_loss == "wgan_gp":
                adversarial = gan_losses.wasserstein_critic_loss(src_real, src_fake)
            else:
                adversarial = gan_losses.least_squares_discriminator_loss(src_real, src_fake)
            penalty, penalty_logs = regularize(self, self.d_regularizers, inputs)
            return adversarial + self.lambda_cls * classification + penalty, {
                "d_real": tf.reduce_mean(src_real),
                "d_fake": tf.reduce_mean(src_fake),
                "d_adv": adversarial,
                "d_cls": classification,
                **penalty_logs,
                "d_cls_accuracy": self._accuracy(cls_real, original),
            }

        loss, logs, d_grad_norm = self.minimize("d", loss_fn)
        return {"d_loss": loss, "d_grad_norm": d_grad_norm, **logs}

    def generator_step(self, real: tf.Tensor, original: tf.Tensor) -> Logs:
        target = self._targets(original)

        def loss_fn():
            # L_G = L_adv + lambda_cls L_cls^f + lambda_rec L_rec (eq. 6).
            fake = self.translate(real, target, training=True)
            src_fake, cls_fake = self._discriminate(fake)
            if self.adversarial_loss == "wgan_gp":
                adversarial = gan_losses.wasserstein_generator_loss(src_fake)
            else:
                adversarial = gan_losses.least_squares_generator_loss(src_fake)
            classification = self._classification(cls_fake, target)
            reconstructed = self.translate(fake, original, training=True)
            reconstruction = gan_losses.l1_loss(real, reconstructed)
            loss = adversarial + self.lambda_cls * classification + self.lambda_rec * reconstruction
            logs = {"g_adv": adversarial, "g_cls": classification, "g_rec": reconstruction}
            if self.lambda_id:  # not the paper: CycleGAN's identity term (module docstring)
                identity = gan_losses.l1_loss(real, self.translate(real, original, training=True))
                loss += self.lambda_id * identity
                logs["g_id"] = identity
            return loss, logs

        loss, logs, g_grad_norm = self.minimize("g", loss_fn)
        return {"g_loss": loss, "g_grad_norm": g_grad_norm, **logs}

    def _accuracy(self, logits: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        """Share of correct domain predictions: per attribute (multi-label) or argmax."""
        if self.multi_label:
            return tf.reduce_mean(
                tf.cast(tf.equal(tf.cast(logits > 0, tf.float32), labels), tf.float32)
            )
        return tf.reduce_mean(
            tf.cast(tf.equal(tf.argmax(logits, -1), tf.argmax(labels, -1)), tf.float32)
        )

    def grid_columns(self, samples) -> list[np.ndarray]:
        """Columns: the input, then its translation to every domain in turn (sec. 4.5)."""
        images, labels = samples
        return [images] + [
            self.translate(images, target_labels(labels, d, self.exclusive_groups)).numpy()
            for d in range(self.num_domains)
        ]


def build_stargan(config: StarGANConfig) -> StarGAN:
    """StarGAN from its config (`gan_tf.configs.stargan`); `config.d_steps` is n_critic."""
    from gan_tf.data import translation

    names = list(config.domain_names)
    base = config.base_filters or 64  # appendix, Tables 4 and 5: 64 filters at full size
    check_target_domains(config.target_domains, config.multi_label)
    generator = stargan_generator(
        config.image_size,
        config.channels,
        len(names),
        base_filters=base,
        num_residual_blocks=config.num_residual_blocks,
        domain_conditioning=config.domain_conditioning,
        modulation_stddev=config.modulation_stddev,
        name="generator",
    )
    discriminator = stargan_discriminator(
        config.image_size,
        config.channels,
        len(names),
        base_filters=base,
        num_layers=config.d_layers,
        name="discriminator",
    )
    model = StarGAN(
        generator,
        discriminator,
        d_steps=config.d_steps,
        lambda_cls=config.lambda_cls,
        lambda_rec=config.lambda_rec,
        lambda_gp=config.lambda_gp,
        lambda_id=config.lambda_id,
        multi_label=config.multi_label,
        exclusive_groups=config.exclusive_groups,
        adversarial_loss=config.adversarial_loss,
        target_domains=config.target_domains,
        seed=config.seed,
        name="stargan",
    )
    model.compile(**adam_optimizers(config), jit_compile=replicas.jit_compile_of(config))
    model.sample_source = lambda: load_held_out(
        lambda train: translation.multi_domain_pipeline(
            config.dataset,
            batch_size=NUM_SAMPLES,
            image_size=config.image_size,
            attributes=config.celeb_a_attributes,
            domains=config.derived_domains,
            train=train,
            shuffle=False,
            repeat=False,
            data_dir=config.data_dir,
            manual_dir=config.manual_dir,
        )
    )
    return model
