"""mnist_mlp.metrics: the confusion matrix, and the most confused pairs as the tools print them."""
from mnist_mlp.metrics import confusion_matrix, format_pairs, most_confused


def test_most_confused_pairs_largest_first_and_as_one_line():
    counts = confusion_matrix([4, 4, 4, 7, 7, 1], [9, 9, 9, 1, 1, 1])
    pairs = most_confused(counts)
    assert pairs == [(4, 9, 3), (7, 1, 2)]
    assert format_pairs(pairs) == "4->9: 3, 7->1: 2"
    assert most_confused(confusion_matrix([3, 5], [3, 5])) == [] and format_pairs([]) == "none"
