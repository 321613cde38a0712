"""The workspace's own layer: decisions move look-alikes, never the seed, stay in the workspace;
the learning curve on a time-ordered stream."""

from __future__ import annotations

import json

import numpy as np

from steward.moderation import corpora, quality
from steward.moderation.model import SETTING, SpamModel, seed_model, workspace_model
from tests.moderation.test_quality import _baseline

PROMO = "Hey everyone, check out my new bakery page for fresh sourdough deliveries"
LOOK_ALIKE = "hey all, check out my new bakery page for sourdough deliveries!"
UNRELATED = "The minibus will leave the community centre at nine on Saturday"


def test_not_spam_lowers_look_alikes_and_spam_raises_them():
    seed = seed_model()
    before = seed.probabilities([LOOK_ALIKE, UNRELATED])
    approved = seed_model()
    approved.learn([PROMO], [0])
    removed = seed_model()
    removed.learn([PROMO], [1])
    after_ok = approved.probabilities([LOOK_ALIKE, UNRELATED])
    after_spam = removed.probabilities([LOOK_ALIKE, UNRELATED])
    assert after_ok[0] < before[0] - 0.05
    assert after_spam[0] > before[0] + 0.05
    assert abs(after_ok[1] - before[1]) < 0.02  # shares no words: barely moves
    # The seed weights are never changed; each copy keeps its own layer.
    assert np.array_equal(seed.coef, seed_model().coef)
    assert seed_model().probabilities([LOOK_ALIKE])[0] == before[0]


def test_the_layer_is_kept_in_the_workspace_as_plain_numbers(workspace):
    model = workspace_model(workspace)
    model.learn([PROMO], [0])
    from steward.moderation.model import save_workspace_model

    save_workspace_model(workspace, model)
    stored = workspace.get_setting(SETTING)
    json.dumps(stored)  # numbers and lists only
    assert stored["learned"] == 1 and 0 < len(stored["index"]) < 2000
    again = workspace_model(workspace)
    assert abs(again.probabilities([LOOK_ALIKE])[0] - model.probabilities([LOOK_ALIKE])[0]) < 1e-4


def test_an_old_format_model_setting_falls_back_to_the_seed(workspace):
    workspace.set_setting(SETTING, {"version": 1, "n_features": 2**18, "index": [],
                                    "weight": [], "intercept": 0.0})
    assert not SpamModel.setting_is_current(workspace.get_setting(SETTING))
    assert workspace_model(workspace).learned == 0


def test_learning_curve_on_the_instagram_held_out_stream():
    """Decide the first 20, 50, 100 of the held-out Instagram comments in their published
    order; measure on the ones after the first 100."""
    _train, held = corpora.load_all()["instagram"]
    curve = quality.learning_curve(held)
    print("\nlearning curve (instagram held out): " + ", ".join(
        f"{p.decisions}: {p.precision:.3f}/{p.recall:.3f}" for p in curve))
    floor = _baseline()["learning"]["instagram_held_out_after_100"]
    last = curve[-1]
    assert last.decisions == 100
    assert last.precision >= floor["precision"] and last.recall >= floor["recall"]


def test_learning_curve_on_x_posts_in_the_order_they_were_collected():
    """A time-split stream: Janitr's X posts are kept in the order they were collected (its
    file is appended to as posts are labelled; the dated posts run in time order). Moderators
    decide the first 20, 50, 100 of the held-out posts; every point is measured on the posts
    after the first 100, so decisions only ever teach from the past."""
    _train, held = corpora.load_all()["x"]
    curve = quality.learning_curve(held)
    print("\nlearning curve (x held out, collection order): " + ", ".join(
        f"{p.decisions}: {p.precision:.3f}/{p.recall:.3f}" for p in curve))
    floor = _baseline()["learning"]["x_held_out_after_100"]
    last = curve[-1]
    assert [p.decisions for p in curve] == [0, 20, 50, 100]
    assert last.precision >= floor["precision"] and last.recall >= floor["recall"]


def test_a_model_with_embedding_weights_scores_keeps_and_learns_with_them(tmp_path):
    """`train --dense-scale S`: the text's embedding joins the n-grams; scoring adds its
    weights exactly as training reads the features, the model file keeps them, and the
    workspace layer learns on top of both."""
    from steward import embedding
    from steward.moderation import train

    seed = seed_model()
    dense = np.random.default_rng(0).normal(0, 2, embedding.shipped().dimensions)
    model = SpamModel(seed.coef, seed.intercept, seed.a, seed.b, dense=dense)
    texts = [PROMO, LOOK_ALIKE, UNRELATED, "follow my page, link in bio", ""]
    x = train.training_matrix(texts, 2.0)  # as training reads them at scale 2
    want = model.a * (x @ np.concatenate([model.coef, model.dense / 2.0]) + model.intercept) \
        + model.b
    assert np.allclose(model.logits(texts), want, atol=1e-4)
    assert not np.allclose(model.logits(texts), seed.logits(texts), atol=0.1)
    model.save_file(tmp_path / "m.npz")
    again = SpamModel.load_file(tmp_path / "m.npz")
    assert np.array_equal(again.dense, model.dense)
    assert np.allclose(again.logits(texts), model.logits(texts), atol=1e-2)  # float16 n-grams
    before = again.probabilities([LOOK_ALIKE])[0]
    again.learn([PROMO], [0])
    assert again.probabilities([LOOK_ALIKE])[0] < before - 0.05
    assert np.array_equal(quality._copy(again).dense, again.dense)
