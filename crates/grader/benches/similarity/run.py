#!/usr/bin/env python3
"""`grader similar` beside copydetect (a MOSS-style detector from PyPI) on
one labelled corpus, in one run.

The corpus holds independent solutions of three exercises of the course,
written differently: the course's reference (exercises/python/<exercise>/
reference/) and three more each (corpus/<exercise>/<author>/). Each one is copied
twice by a plagiarist's edits (Python's ast, seeded):

  light  every local name and helper renamed, the file re-laid out
  heavy  the same, plus functions reordered, the operands of + * == !=
         swapped, dead code added (an unused helper, unused assignments)
         and comments

Pairs of documents of one exercise are labelled: a copy and its original,
or two copies of one original, are the same work; anything else is not.
Both tools score every pair (the exercise's starter given to both as
boilerplate); then ROC AUC (ties counting half) and precision at k (k =
the number of same-work pairs) over the pooled pairs. Last, 1,000
submissions of one exercise (copies of its originals with fresh names,
seeded) are ranked whole by each tool, timed.

  python3 run.py --grader target/release/grader [--exercises exercises]
"""

import argparse
import ast
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
# The names the exercise's tests call: a copy keeps them.
PUBLIC = {"fizzbuzz", "word_frequency", "top_words", "binary_search", "two_sum"}
WORDS = ["alpha", "bravo", "carry", "delta", "ember", "fable", "gamma", "hinge", "ivory", "joker",
         "karma", "lemon", "mango", "noble", "olive", "pixel", "quill", "raven", "sable", "tango"]


class Renamer(ast.NodeTransformer):
    def __init__(self, tree, rng):
        defined = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                defined.add(node.name)
                defined.update(arg.arg for arg in node.args.args)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
        defined -= PUBLIC
        self.names = {name: "%s_%d" % (rng.choice(WORDS), rng.randrange(1000)) for name in sorted(defined)}

    def visit_Name(self, node):
        node.id = self.names.get(node.id, node.id)
        return node

    def visit_arg(self, node):
        node.arg = self.names.get(node.arg, node.arg)
        return node

    def visit_FunctionDef(self, node):
        node.name = self.names.get(node.name, node.name)
        self.generic_visit(node)
        return node


class Swapper(ast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (ast.Add, ast.Mult)) and not any(
                isinstance(side, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(side, "value", ""), str)
                for side in (node.left, node.right)):
            node.left, node.right = node.right, node.left
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            node.left, node.comparators[0] = node.comparators[0], node.left
        return node


def copy(source, rng, heavy):
    tree = ast.parse(source)
    tree = Renamer(tree, rng).visit(tree)
    if heavy:
        tree = Swapper().visit(tree)
        imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        rest = [node for node in tree.body if node not in imports]
        rng.shuffle(rest)
        dead = ast.parse("def _unused_%d(value):\n    total = value * 2\n    return total - value\n"
                         % rng.randrange(1000)).body
        for function in (node for node in rest if isinstance(node, ast.FunctionDef)):
            function.body.insert(0, ast.parse("_spare = %d" % rng.randrange(100)).body[0])
        tree.body = imports + rest[:1] + dead + rest[1:]
    text = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    if heavy:
        text = "# my solution\n" + text.replace("\n\n", "\n\n# next part\n", 1)
    return text


def origins(exercises, exercise):
    """An exercise's independent solutions, by author: the course's
    reference and the corpus's own."""
    found = {"reference": os.path.join(exercises, "python", exercise, "reference")}
    for author in os.listdir(os.path.join(CORPUS, exercise)):
        found[author] = os.path.join(CORPUS, exercise, author)
    return dict(sorted(found.items()))


def build(out, rng, exercises):
    """The labelled corpus in `out`; returns {exercise: {document: origin}} and file names."""
    labels, files = {}, {}
    for exercise in sorted(os.listdir(CORPUS)):
        labels[exercise] = {}
        for origin, folder in origins(exercises, exercise).items():
            (name,) = os.listdir(folder)
            files[exercise] = name
            with open(os.path.join(folder, name)) as f:
                source = f.read()
            versions = {origin: source, origin + "~light": copy(source, rng, False),
                        origin + "~heavy": copy(source, rng, True)}
            for document, text in versions.items():
                folder = os.path.join(out, exercise, document)
                os.makedirs(folder)
                with open(os.path.join(folder, name), "w") as f:
                    f.write(text)
                labels[exercise][document] = origin
    return labels, files


def grader_scores(grader, exercises, folder, exercise):
    output = subprocess.run(
        [grader, "similar", os.path.join(exercises, "python", exercise), folder, "--top", "0",
         "--format", "json"], check=True, capture_output=True, text=True).stdout
    return {frozenset((pair["a"], pair["b"])): pair["score"] for pair in json.loads(output)["pairs"]}


def copydetect_scores(exercises, folder, exercise, name, documents):
    from copydetect import CodeFingerprint, compare_files

    starter = CodeFingerprint(os.path.join(exercises, "python", exercise, "starter", name), 25, 1)
    prints = {document: CodeFingerprint(os.path.join(folder, document, name), 25, 1,
                                        boilerplate=sorted(starter.hashes)) for document in documents}
    scores = {}
    for a, b in itertools.combinations(documents, 2):
        _, (one, two), _ = compare_files(prints[a], prints[b])
        scores[frozenset((a, b))] = (one + two) / 2
    return scores


def auc(scored):
    """ROC AUC of (score, same) pairs: the chance that a same-work pair
    outscores another, ties counting half."""
    positives = [score for score, same in scored if same]
    negatives = [score for score, same in scored if not same]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def precision_at_k(scored):
    k = sum(1 for _, same in scored if same)
    ranked = sorted(scored, key=lambda item: -item[0])[:k]
    return sum(1 for _, same in ranked if same) / k


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--grader", default="target/release/grader")
    parser.add_argument("--exercises", default="exercises")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--class-size", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as out:
        labels, files = build(out, rng, args.exercises)
        pooled = {"grader similar": [], "copydetect": []}
        for exercise, documents in labels.items():
            folder = os.path.join(out, exercise)
            ours = grader_scores(args.grader, args.exercises, folder, exercise)
            theirs = copydetect_scores(args.exercises, folder, exercise, files[exercise], sorted(documents))
            for a, b in itertools.combinations(sorted(documents), 2):
                same = documents[a] == documents[b]
                pooled["grader similar"].append((ours.get(frozenset((a, b)), 0.0), same))
                pooled["copydetect"].append((theirs[frozenset((a, b))], same))
        pairs = len(pooled["copydetect"])
        same = sum(1 for _, label in pooled["copydetect"] if label)
        print("corpus: %d documents of %d exercises, %d pairs (%d the same work)"
              % (sum(map(len, labels.values())), len(labels), pairs, same))
        print("%-16s %8s %14s" % ("", "ROC AUC", "precision@%d" % same))
        for tool, scored in pooled.items():
            print("%-16s %8.3f %14.3f" % (tool, auc(scored), precision_at_k(scored)))

        # A class of `class_size` submissions of one exercise.
        exercise = "fizzbuzz"
        name = files[exercise]
        big = os.path.join(out, "class")
        sources = list(origins(args.exercises, exercise).values())
        for number in range(args.class_size):
            with open(os.path.join(sources[number % len(sources)], name)) as f:
                text = copy(f.read(), rng, heavy=number % 2 == 1)
            os.makedirs(os.path.join(big, "learner%04d" % number))
            with open(os.path.join(big, "learner%04d" % number, name), "w") as f:
                f.write(text)
        documents = sorted(os.listdir(big))
        started = time.monotonic()
        grader_scores(args.grader, args.exercises, big, exercise)
        ours = time.monotonic() - started
        started = time.monotonic()
        copydetect_scores(args.exercises, big, exercise, name, documents)
        theirs = time.monotonic() - started
        print("%d submissions of %s ranked: grader similar %.2f s, copydetect %.2f s (%.0f×)"
              % (args.class_size, exercise, ours, theirs, theirs / ours))
        print("load average: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
