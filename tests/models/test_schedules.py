import keras
import numpy as np

from gan_tf.models.schedules import LinearDecayAfter


def test_constant_then_linear_to_zero():
    schedule = LinearDecayAfter(2e-4, decay_start=100, total_steps=200)
    values = [float(schedule(s)) for s in (0, 99, 100, 150, 200, 250)]
    np.testing.assert_allclose(values, [2e-4, 2e-4, 2e-4, 1e-4, 0.0, 0.0], atol=1e-9)


def test_decay_from_the_first_update():
    schedule = LinearDecayAfter(2e-4, decay_start=0, total_steps=20)
    values = [float(schedule(s)) for s in (0, 5, 20)]
    np.testing.assert_allclose(values, [2e-4, 1.5e-4, 0.0], atol=1e-9)


def test_round_trips_through_keras_serialization():
    schedule = LinearDecayAfter(2e-4, decay_start=3, total_steps=9)
    restored = keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(schedule)
    )
    assert restored.get_config() == schedule.get_config()
