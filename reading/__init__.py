"""Reading a picture the way a user's file is read (tools/predict.py, the server, tools/eval_scans.py):
grey pixels -> a pad-like canvas (paper, ruling and specks taken out) -> the MNIST-style 28x28 input ->
the network through its turned views (mnist_mlp.views), probabilities averaged."""
from mnist_mlp.views import TurnedViews
from preprocessing import canvas_from_image, prepare
from preprocessing.images import ImageError, read_gray


def picture_reading(views, gray):
    """``(probabilities, image)`` for a grey uint8 picture: the ten probabilities ``views`` (a
    TurnedViews) gives and the (28, 28) input it read; ValueError when there is no ink."""
    image = prepare(canvas_from_image(gray))
    if image is None:
        raise ValueError("no ink found: the image is blank")
    return views.predict_proba(image)[0], image


def file_reading(views, path):
    """``picture_reading`` of the image file at ``path`` (preprocessing.images: any PNG, JPEG or BMP
    within its budget); ValueError saying why when it cannot be read."""
    try:
        gray = read_gray(path)
    except ImageError as e:
        raise ValueError(str(e)) from None
    return picture_reading(views, gray)


__all__ = ["TurnedViews", "file_reading", "picture_reading"]
