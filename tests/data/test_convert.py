"""Shapes, the conversion policy and the one conversion path."""

from __future__ import annotations

import numpy as np
import pytest

from synreal.data.base import FeatureSet, ImageSet
from synreal.data.convert import (
    LUMA_601,
    ConversionPolicy,
    FeatureShape,
    InputShape,
    as_shape,
    check_convertible,
    convert,
    convert_set,
    describe,
    shape_of,
    stored_images,
    to_unit_range,
)
from synreal.errors import UserInputError


def test_shapes_are_tuples_with_a_kind():
    assert InputShape(1, 8, 8) == (1, 8, 8) and InputShape(1, 8, 8).kind == "images"
    assert FeatureShape(512) == (512,) and FeatureShape(512).kind == "features"
    assert as_shape([3, 32, 32]) == InputShape(3, 32, 32) and as_shape([7]) == FeatureShape(7)
    with pytest.raises(ValueError):
        as_shape((1, 2))
    assert shape_of(ImageSet(np.zeros((2, 3, 4, 5), np.float32), np.zeros(2, int), ["a"])) == InputShape(3, 4, 5)
    assert shape_of(FeatureSet(np.zeros((2, 9), np.float32), np.zeros(2, int), ["a"])) == FeatureShape(9)


def test_same_shape_keeps_the_exact_values():
    x = np.random.default_rng(0).random((5, 1, 8, 8), dtype=np.float32)
    np.testing.assert_array_equal(convert(x, (1, 8, 8)), x)


def test_area_downsampling_is_the_block_mean():
    x = np.random.default_rng(1).random((3, 1, 8, 8), dtype=np.float32)
    expected = x.reshape(3, 1, 4, 2, 4, 2).mean(axis=(3, 5))
    np.testing.assert_allclose(convert(x, (1, 4, 4)), expected, rtol=1e-6)


def test_antialiased_downsampling_differs_from_area_but_keeps_constants():
    x = np.random.default_rng(2).random((2, 1, 12, 12), dtype=np.float32)
    a = convert(x, (1, 5, 5), ConversionPolicy(downsample="area"))
    b = convert(x, (1, 5, 5), ConversionPolicy(downsample="antialias"))
    assert not np.allclose(a, b)
    flat = np.full((1, 1, 12, 12), 0.4, np.float32)
    np.testing.assert_allclose(convert(flat, (1, 5, 5), ConversionPolicy(downsample="antialias")), 0.4, atol=1e-6)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
def test_upsampling_keeps_constant_images_constant_and_stays_in_range(mode):
    flat = np.full((1, 1, 8, 8), 0.7, np.float32)
    np.testing.assert_allclose(convert(flat, (1, 28, 28), ConversionPolicy(upsample=mode)), 0.7, atol=1e-6)
    edge = np.zeros((1, 1, 8, 8), np.float32)
    edge[..., 4:] = 1
    y = convert(edge, (1, 28, 28), ConversionPolicy(upsample=mode))
    assert y.min() >= 0 and y.max() <= 1, "bicubic overshoot is clipped"


def test_grey_to_rgb_repeats_and_rgb_to_grey_is_the_601_luma():
    rng = np.random.default_rng(3)
    grey = rng.random((2, 1, 4, 4), dtype=np.float32)
    rgb = convert(grey, (3, 4, 4))
    for c in range(3):
        np.testing.assert_array_equal(rgb[:, c], grey[:, 0])
    colour = rng.random((2, 3, 4, 4), dtype=np.float32)
    luma = LUMA_601[0] * colour[:, 0] + LUMA_601[1] * colour[:, 1] + LUMA_601[2] * colour[:, 2]
    np.testing.assert_allclose(convert(colour, (1, 4, 4))[:, 0], luma, rtol=1e-6)


def test_crop_keeps_the_central_square():
    x = np.zeros((1, 1, 8, 16), np.float32)
    x[..., 4:12] = 1  # the central 8x8 is white, the sides black
    np.testing.assert_array_equal(convert(x, (1, 8, 8), ConversionPolicy(aspect="crop")), 1.0)
    assert convert(x, (1, 8, 8)).mean() == pytest.approx(0.5)  # stretch squeezes the sides in


def test_convert_writes_into_a_given_array_in_chunks(tmp_path):
    x = np.random.default_rng(4).random((10, 1, 16, 16), dtype=np.float32)
    out = np.lib.format.open_memmap(tmp_path / "o.npy", mode="w+", dtype=np.float32, shape=(10, 3, 8, 8))
    assert convert(x, (3, 8, 8), out=out) is out
    np.testing.assert_array_equal(np.asarray(out), convert(x, (3, 8, 8)))


def test_check_convertible_names_both_sides():
    check_convertible(InputShape(1, 8, 8), InputShape(3, 224, 224), what_src="a", what_dst="b")
    with pytest.raises(UserInputError, match=r"source 'fonts' holds images \(1x8x8\) but the real data holds features"):
        check_convertible(InputShape(1, 8, 8), FeatureShape(512), what_src="source 'fonts'", what_dst="the real data")
    with pytest.raises(UserInputError, match=r"source 'gen' holds 768-d features but the real data holds 512-d"):
        check_convertible(FeatureShape(768), FeatureShape(512), what_src="source 'gen'", what_dst="the real data")
    with pytest.raises(UserInputError, match="source 'fonts' is 1x8x8 but the real data is 1x16x16.*forbids upsampling"):
        check_convertible(InputShape(1, 8, 8), InputShape(1, 16, 16), ConversionPolicy(upsample="forbid"),
                          what_src="source 'fonts'", what_dst="the real data")
    with pytest.raises(UserInputError, match="forbids grey_to_rgb"):
        check_convertible(InputShape(1, 8, 8), InputShape(3, 8, 8), ConversionPolicy(grey_to_rgb="forbid"), what_src="a", what_dst="b")
    with pytest.raises(UserInputError, match="forbids rgb_to_grey"):
        check_convertible(InputShape(3, 8, 8), InputShape(1, 8, 8), ConversionPolicy(rgb_to_grey="forbid"), what_src="a", what_dst="b")
    # shrinking is allowed when only upsampling is forbidden
    check_convertible(InputShape(1, 32, 32), InputShape(1, 8, 8), ConversionPolicy(upsample="forbid"), what_src="a", what_dst="b")


def test_describe_says_what_happens_in_one_line():
    assert describe(InputShape(1, 8, 8), InputShape(3, 32, 32), name="fonts") == "fonts: 1x8x8 -> 3x32x32 (bilinear upsample, grey->RGB repeat)"
    assert describe(InputShape(3, 224, 224), InputShape(1, 28, 28)) == "3x224x224 -> 1x28x28 (area resize, RGB->grey luminance)"
    assert describe(InputShape(3, 40, 20), InputShape(3, 16, 16), ConversionPolicy(aspect="crop", downsample="antialias")) == (
        "3x40x20 -> 3x16x16 (centre crop, antialiased resize)")
    assert describe(InputShape(1, 8, 8), InputShape(1, 8, 8), name="real") == "real: 1x8x8 (as is)"


def test_convert_set_keeps_labels_and_records_the_conversion():
    s = ImageSet(np.ones((3, 1, 8, 8), np.float32), np.array([0, 1, 0]), ["a", "b"], {"source": "x"})
    assert convert_set(s, InputShape(1, 8, 8)) is s
    t = convert_set(s, InputShape(3, 4, 4))
    assert t.shape == (3, 4, 4) and t.labels.tolist() == [0, 1, 0] and t.meta["source"] == "x"
    assert t.meta["converted"] == "1x8x8 -> 3x4x4 (area resize, grey->RGB repeat)"
    f = FeatureSet(np.ones((2, 4), np.float32), np.array([0, 1]), ["a", "b"])
    assert convert_set(f, FeatureShape(4)) is f
    with pytest.raises(UserInputError, match="images and features cannot be converted"):
        convert_set(s, FeatureShape(64), what="source 'fonts'")


def test_to_unit_range_scales_by_dtype_and_names_the_bad_image():
    assert to_unit_range(np.array([[0, 255]], np.uint8)).tolist() == [[0.0, 1.0]]
    assert to_unit_range(np.array([[0, 65535]], np.uint16)).tolist() == [[0.0, 1.0]]
    assert to_unit_range(np.array([[8, 16]]), max_value=16).tolist() == [[0.5, 1.0]]
    with pytest.raises(UserInputError, match="image 12 has NaN or infinite"):
        to_unit_range(np.array([[0.1], [0.2], [np.inf]]), first_index=10, file="x.npz")
    with pytest.raises(UserInputError, match=r"image 1 has pixel values 3\.\.3; expected 0\.\.1"):
        to_unit_range(np.array([[0.5], [3.0]]))
    with pytest.raises(UserInputError, match="must be numbers"):
        to_unit_range(np.array([["a"]]))


def test_stored_images_accepts_every_layout():
    hwc = np.zeros((2, 5, 6, 3), np.uint8)
    assert stored_images(hwc).shape == (2, 3, 5, 6)
    assert stored_images(np.zeros((2, 3, 5, 6), np.uint8)).shape == (2, 3, 5, 6)
    assert stored_images(np.zeros((2, 5, 6), np.uint8)).shape == (2, 1, 5, 6)
    with pytest.raises(UserInputError, match="2 channels"):
        stored_images(np.zeros((2, 2, 5, 6), np.uint8))
