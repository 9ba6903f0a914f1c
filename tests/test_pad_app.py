"""The pad's behaviour, driven by the same events the window gives it."""
import numpy as np
import pytest

from conftest import ROOT
from mnist_mlp import load_model
from mnist_mlp.views import TurnedViews
from digitpad.reading import path_reading
from digitpad.desktop.app import PadApp
from digitpad.desktop.display import display_problem


@pytest.fixture(scope="module")
def model():
    return load_model(ROOT / "weights")


@pytest.fixture
def app(model, tmp_path):
    return PadApp(model, tmp_path / "samples", threshold=0.5, size=280, brush=22)


def draw_one(app):
    """A vertical stroke: the shipped model reads it as a 1."""
    app.mouse_down(140, 40)
    for y in range(50, 250, 10):
        app.mouse_move(141, y)
    app.mouse_up()


def test_prediction_follows_the_drawing_and_only_when_it_changes(app):
    app.update()
    assert app.prediction is None
    app.mouse_down(140, 40)
    app.mouse_move(140, 60)
    app.update()
    first = app.prediction
    assert first is not None
    app.update()
    assert app.prediction is first  # unchanged ink: no new prediction
    for y in range(70, 250, 10):
        app.mouse_move(141, y)
    app.update()
    assert app.prediction is not first and app.prediction.digit == 1
    np.testing.assert_allclose(app.prediction.probabilities.sum(), 1, rtol=1e-5)
    # What it shows is the three turned views' reading (mnist_mlp.views) with the path's
    # (digitpad.reading.path_reading), not the network's one view.
    image, views = app.prediction.image, TurnedViews(app.model)
    path = [[s.points for s in app.state.strokes]]
    np.testing.assert_allclose(app.prediction.probabilities,
                               path_reading(views, views.predict_proba(image), path)[0], rtol=1e-6)
    assert not np.allclose(app.prediction.probabilities, views.predict_proba(image)[0], rtol=1e-3)
    assert not np.allclose(app.prediction.probabilities, app.model.predict_proba(image)[0], rtol=1e-3)


def test_clicks_outside_the_pad_do_not_draw(app):
    app.mouse_down(300, 50)
    app.mouse_move(320, 60)
    assert app.state.empty


def test_the_clear_message_goes_with_the_next_stroke(app):
    draw_one(app)
    app.key(ord("c"))
    assert "u brings it back" in app.status
    draw_one(app)  # u would now take back this stroke, not the clear
    assert "brings it back" not in app.status
    app.key(ord("u"))
    assert app.status == "undid the last stroke" and app.state.empty


def test_digit_key_saves_and_clears(app, tmp_path):
    draw_one(app)
    app.key(ord("1"))
    files = sorted(p.name for p in (tmp_path / "samples" / "1").iterdir())
    assert len(files) == 2 and files[0].endswith(".json") and files[1].endswith(".png")
    assert app.state.empty and "saved 1 as" in app.status


def test_s_saves_with_the_predicted_label_only_when_sure(app, tmp_path):
    draw_one(app)
    app.key(ord("s"))
    assert len(list((tmp_path / "samples" / "1").glob("*.png"))) == 1
    draw_one(app)
    app.threshold = 2.1  # nothing is that sure, not even a 1 (sure from half the threshold)
    app.key(ord("s"))
    assert "does not look like a digit" in app.status and not app.state.empty


def test_saving_an_empty_pad_is_refused(app, tmp_path):
    app.key(ord("5"))
    assert "empty" in app.status and not (tmp_path / "samples").exists()


def test_failed_save_keeps_the_drawing(model, tmp_path):
    (tmp_path / "blocked").write_text("a file where the samples folder should be")
    app = PadApp(model, tmp_path / "blocked", size=280)
    draw_one(app)
    app.key(ord("1"))
    assert app.status.startswith("NOT SAVED") and not app.state.empty


def test_keys(app):
    draw_one(app)
    draw_one(app)
    app.key(ord("u"))
    assert len(app.state.strokes) == 1
    app.key(ord("z"))
    assert app.state.empty
    app.key(ord("u"))
    assert app.status == "nothing to undo"
    draw_one(app)
    app.key(ord("c"))
    assert app.state.empty
    app.key(ord("u"))  # the whole drawing comes back, and the status line says so
    assert not app.state.empty and app.status == "the drawing is back (undid the clear)"
    app.key(ord("u"))
    assert app.status == "undid the last stroke"
    brush = app.state.brush
    app.key(ord("+"))
    assert app.state.brush > brush
    app.key(ord("-"))
    app.key(ord("-"))
    assert app.state.brush < brush
    app.key(ord("d"))
    app.key(ord("h"))
    assert app.show_diagnostics and app.show_help
    frame = app.frame()
    assert frame.ndim == 3 and not app.changed
    app.key(ord("x"))  # unbound: nothing happens, no redraw
    assert not app.changed
    app.key(27)
    assert not app.running


def test_display_problem():
    assert display_problem(env={}, platform="linux").startswith("DISPLAY is not set")
    assert "cannot connect" in display_problem(env={"DISPLAY": ":987"}, platform="linux")
    assert "not of the form" in display_problem(env={"DISPLAY": "nonsense"}, platform="linux")
    assert display_problem(env={}, platform="win32") is None


@pytest.mark.parametrize("option, message", [(["--brush", "0"], "--brush must be between 4 and 64"),
                                             (["--brush", "65"], "--brush must be between 4 and 64"),
                                             (["--size", "50"], "--size must be between"),
                                             (["--threshold", "2"], "--threshold must be between")])
def test_bad_options_are_refused_alike(option, message, capsys):
    from digitpad import pad as main

    with pytest.raises(SystemExit) as exit_info:
        main.parse_args(option)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_help_names_the_model_folder_even_with_a_percent_in_it(monkeypatch, capsys):
    from pathlib import Path

    from digitpad import pad as main

    monkeypatch.setattr(main, "WEIGHTS", Path("/home/ann/100%done/weights"))
    with pytest.raises(SystemExit) as exit_info:
        main.parse_args(["--help"])
    assert exit_info.value.code == 0 and "100%done/weights" in capsys.readouterr().out


def test_backspace_deletes_only_this_sessions_last_sample(app, tmp_path):
    (tmp_path / "samples" / "4").mkdir(parents=True)
    older = tmp_path / "samples" / "4" / "older.png"
    older.write_bytes(b"from another day")
    app.key(8)
    assert app.status == "no sample saved in this session to delete"
    draw_one(app)
    first = app.save(1)
    draw_one(app)
    second = app.save(7)
    app.key(8)
    assert not second.exists() and not second.with_suffix(".json").exists() and "deleted the last sample" in app.status
    app.key(8)
    assert not first.exists()
    app.key(8)
    assert "no sample saved" in app.status and older.exists()


def test_c_then_u_and_help_closes_when_drawing(app):
    draw_one(app)
    app.update()
    drawn = app.state.canvas.copy()
    app.key(ord("c"))
    assert app.state.empty
    app.key(ord("u"))
    assert np.array_equal(app.state.canvas, drawn)
    app.key(ord("h"))
    assert app.show_help
    app.mouse_down(100, 100)
    assert not app.show_help


def write(app, strokes):
    for stroke in strokes:
        app.mouse_down(*stroke["points"][0])
        for x, y in stroke["points"][1:]:
            app.mouse_move(x, y)
        app.mouse_up()


def test_number_mode_reads_and_saves_each_digit(model, tmp_path):
    import json

    from test_numbers import number

    app = PadApp(model, tmp_path / "samples", size=400, mode="number")
    assert app.state.canvas.shape == (400, 1200)
    strokes = [{"brush": s["brush"], "points": [[int(x), int(y)] for x, y in s["points"]]} for s in number("2047")]
    write(app, strokes)
    app.update()
    assert app.number["number"] == "2047" and app.prediction.digit == 7  # the bars: the digit last written
    frame = app.frame()
    assert frame.shape == (426, 1520, 3)
    for key in "204":
        app.key(ord(key))
    app.key(13)
    assert "you typed 3 digits (204) but the pad holds 4; nothing saved" in app.status
    assert not (tmp_path / "samples").exists()
    app.key(8)
    assert app.typed == "20"
    for key in "41":  # the user says the last digit is a 1: one correction
        app.key(ord(key))
    app.key(13)
    assert app.status.startswith("saved 2041 as 4 samples") and app.corrections == 1 and app.state.empty
    saved = sorted((tmp_path / "samples").glob("*/*.json"))
    assert sorted(p.parent.name for p in saved) == ["0", "1", "2", "4"]
    four = json.loads(next((tmp_path / "samples" / "4").glob("*.json")).read_text())
    assert four["canvas_size"] == [1200, 400] and len(four["strokes"]) == 2 and four["label"] == 4
    app.key(ord("n"))
    assert app.mode == "digit" and app.state.canvas.shape == (400, 400)
