from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.trending.linkchoice import (
    Mention,
    Origin,
    choose_links,
    mentions_in,
    name_matches_title,
    project_page_url,
    project_pages_in,
    repository_mention,
)

HELIOS = "Helios: Real Real-Time Long Video Generation Model"
HELIOS_COMMENT = (
    "Code: https://github.com/PKU-YuanGroup/Helios Page: "
    "https://pku-yuangroup.github.io/Helios-Page/ Inference Speed:"
)


def code(choice) -> str | None:
    return choice.code.url if choice.code else None


def test_helios_the_source_named_repository_not_a_pull_request_of_another_project():
    choice = choose_links(
        title=HELIOS,
        source_code=["https://github.com/sgl-project/sglang/pull/19782"],
        abstract="Integrated upstream: https://github.com/sgl-project/sglang/pull/19782.",
        comments=[HELIOS_COMMENT],
    )
    assert code(choice) == "https://github.com/PKU-YuanGroup/Helios"
    assert choice.project_page == "https://pku-yuangroup.github.io/Helios-Page/"
    # With only the pull request to go on there is no code link at all.
    alone = choose_links(title=HELIOS, abstract="See github.com/sgl-project/sglang/pull/19782")
    assert alone.code is None


def test_order_source_then_abstract_then_comments():
    abstract = "Built on https://github.com/facebookresearch/detectron2 and github.com/a/tool."
    assert (
        code(choose_links(title="X", source_code=["https://github.com/lab/x"], abstract=abstract))
        == "https://github.com/lab/x"
    )
    assert code(choose_links(title="X", abstract=abstract)) == (
        "https://github.com/facebookresearch/detectron2"
    )
    assert code(choose_links(title="X", comments=["Code: gitlab.com/g/p"])) == (
        "https://gitlab.com/g/p"
    )
    # The authors' text beats the comments, GitHub beats other hosts within one text.
    both = choose_links(
        title="X",
        abstract="https://codeberg.org/o/r https://github.com/o/gh",
        comments=["github.com/c/c"],
    )
    assert code(both) == "https://github.com/o/gh"


def test_a_repository_named_after_the_paper_wins_within_the_authors_text():
    choice = choose_links(
        title="MyNet: Fast Things",
        abstract="We build on https://github.com/huggingface/transformers.",
        comments=["Code: https://github.com/me/MyNet-official"],
    )
    assert code(choice) == "https://github.com/me/MyNet-official"


@pytest.mark.parametrize(
    ("url", "title", "expected"),
    [
        # Pull requests, issues, commits and discussions of another project: never.
        ("https://github.com/huggingface/diffusers/pull/13208", HELIOS, None),
        ("https://github.com/vllm-project/vllm/issues/12", HELIOS, None),
        ("https://github.com/pytorch/pytorch/commit/abc123", HELIOS, None),
        ("https://github.com/org/repo/discussions/7", HELIOS, None),
        ("https://github.com/zjunlp/EasyEdit/blob/main/examples/SPLIT.md", "Why Steering", None),
        # ... unless the repository is plausibly the paper's own.
        ("https://github.com/PKU-YuanGroup/Helios/pull/3", HELIOS,
         "https://github.com/PKU-YuanGroup/Helios"),
        ("https://github.com/x/DRPG-RebuttalAgent/tree/master/src",
         "DRPG (Decompose, Plan): Agents", "https://github.com/x/DRPG-RebuttalAgent"),
        # A monorepo folder named after the paper.
        ("https://github.com/huawei-noah/noah-research/tree/master/VersatileFFN",
         "VersatileFFN: Wide and Deep", "https://github.com/huawei-noah/noah-research"),
        ("https://github.com/bytedance/Sa2VA/tree/main/projects/samtok",
         "SAMTok: Masks as Two Words", "https://github.com/bytedance/Sa2VA"),
        # A branch of a repository is the repository.
        ("https://github.com/brsylmz23/TimesNet-Gen/tree/main", "Anything",
         "https://github.com/brsylmz23/TimesNet-Gen"),
        ("https://github.com/o/r#readme", "Anything", "https://github.com/o/r"),
        # Owners alone are not repositories.
        ("https://github.com/PKU-YuanGroup", HELIOS, None),
    ],
)  # fmt: skip
def test_links_into_a_repository(url, title, expected):
    assert code(choose_links(title=title, abstract=f"We compare with {url} .")) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Authors pointing at their folder, file or release: their code, in that repository.
        ("The code is publicly available at https://github.com/lab/tools/tree/main/DP-Net.",
         "https://github.com/lab/tools"),
        ("Code at: https://github.com/facebookresearch/wmar/tree/main/syncseal",
         "https://github.com/facebookresearch/wmar"),
        ("Sources available at: https://github.com/o/altiro3D/releases/tag/2.0.0",
         "https://github.com/o/altiro3D"),
        ("Available at https://huggingface.co/datasets/a/b and "
         "https://github.com/Lab/MultiTagger-v2/tree/main/DPR-BAG.",
         "https://github.com/Lab/MultiTagger-v2"),
        ("Codes are released at https://github.com/microsoft/GenCodec/CoD_Lite",
         "https://github.com/microsoft/GenCodec"),
        # No space after the full stop.
        ("beyond physics.https://github.com/jmeadows17/formal-science",
         "https://github.com/jmeadows17/formal-science"),
        # GitLab nests groups: the whole path is the project.
        ("Code: https://gitlab.com/radiology/prenatal-image-analysis/pca-3d-alignment.",
         "https://gitlab.com/radiology/prenatal-image-analysis"),
        ("project url: https://github.com/Liuziyu77/Visual-RFT/tree/main/Visual-ARFT",
         "https://github.com/Liuziyu77/Visual-RFT"),
        ("The link is: https://github.com/bruce/GeniusTrail/tree/main/GoCE",
         "https://github.com/bruce/GeniusTrail"),
        # A placeholder is no repository.
        ("Code is available at: https://github.com/to/be/released", None),
        # A pull request stays someone else's project however it is announced.
        ("Our code is merged at https://github.com/open-compass/VLMEvalKit/pull/1334", None),
        # The announcement must be just before the link, not anywhere earlier in the text.
        ("Code is available. We also thank the authors of many works. In particular we reuse "
         "https://github.com/o/r/tree/main/x", None),
    ],
)  # fmt: skip
def test_links_into_a_repository_announced_as_the_authors_code(text, expected):
    assert code(choose_links(title="Unrelated Title", abstract=text)) == expected


def test_a_repository_wins_over_an_hf_space_named_after_the_paper():
    choice = choose_links(
        title="ByteMorph: Benchmarking Editing",
        abstract="Code: https://github.com/ByteDance-Seed/BM-code. Demo: "
        "https://huggingface.co/spaces/someone/ByteMorph-Demo",
    )
    assert code(choice) == "https://github.com/ByteDance-Seed/BM-code"
    space_only = choose_links(title="T", abstract="Demo: https://hf.co/spaces/o/d")
    assert code(space_only) == "https://huggingface.co/spaces/o/d"


def test_a_source_named_link_into_another_project_is_not_used_but_its_own_files_are():
    pr = choose_links(title=HELIOS, source_code=["https://github.com/sgl-project/sglang/pull/1"])
    assert pr.code is None
    own_file = choose_links(
        title="Anything",
        source_code=["https://github.com/o/r"],
        abstract="see https://github.com/o/r/blob/main/README.md",
    )
    assert code(own_file) == "https://github.com/o/r"
    # The abstract's link into the source-named repository is that repository too.
    assert code(
        choose_links(title="T", source_code=["https://github.com/o/r/pull/1", "https://github.com/o/r"])
    ) == "https://github.com/o/r"  # fmt: skip


@pytest.mark.parametrize(
    ("name", "title", "matches"),
    [
        ("Helios", HELIOS, True),
        ("helios-page", HELIOS, True),
        ("DRPG-RebuttalAgent", "DRPG (Decompose, Retrieve, Plan, Generate): A Framework", True),
        ("Awesome-Digital-Twin-AI", "Digital Twin AI: Opportunities and Challenges", True),
        ("RecursiveLanguageModels", "Recursive Language Models", True),
        ("VideoWorld", "VideoWorld 2: Learning Transferable Knowledge", True),
        ("finbench_v2", "FIN-bench-v2: A Unified Benchmark Suite", True),
        ("Ming", "Ming-Lite-Uni: Advancements in Unified Architecture", True),
        ("repo", "RePo: Language Models with Context Re-Positioning", True),
        ("imessage-analyzer", "Applying NLP to iMessages: Topic Avoidance", True),
        # Ordinary words and common acronyms of a title name anyone's project.
        ("transformers", "Efficient Transformers for Vision", False),
        ("LoRA", "LoRA-X: Adapting Adapters", False),
        ("llm", "LLM: a survey", False),
        ("sglang", HELIOS, False),
        ("ab", "AB: Two Letters", False),
        ("", HELIOS, False),
        ("Helios", "", False),
    ],
)
def test_name_matches_title(name, title, matches):
    assert name_matches_title(name, title) is matches


@pytest.mark.parametrize(
    "text",
    [
        "javascript://github.com/x/y",
        "https://github.com.evil.io/a/b",
        "https://g\u0456thub.com/a/b",
        "https://github.com/" + "a" * 400 + "/b",
        "github.com/onlyowner",
        "github.com/owner/",
        "vbscript://github.com/a/b",
    ],
)
def test_hostile_urls_give_no_code_link(text):
    choice = choose_links(title="T", abstract=text, comments=[text], source_code=[text])
    assert choice.code is None
    assert choice.project_page == ""


def test_a_source_field_that_is_not_an_http_url_is_refused():
    choice = choose_links(title="T", source_code=["data:text/html,github.com/a/b"])
    assert choice.code is None and "scheme" in choice.refused[0].reason


def test_refusals_are_reported_for_logging():
    _, refused = mentions_in(
        "See javascript://github.com/x/y and https://github.com.evil.io/a/b", Origin.ABSTRACT
    )
    assert len(refused) == 2  # fmt: skip
    # Links to HF papers and models, and project pages, are ordinary links, not refusals.
    _, quiet = mentions_in(
        "https://huggingface.co/papers/2601.1 https://a.github.io/x", Origin.ABSTRACT
    )
    assert quiet == []  # fmt: skip


def test_repository_mention_records_where_inside_it_points():
    mention = repository_mention("https://github.com/o/r/pull/19782", Origin.ABSTRACT)
    assert isinstance(mention, Mention) and mention.inside == "pull/19782"
    space = repository_mention("https://hf.co/spaces/o/demo/blob/main/app.py", Origin.ABSTRACT)
    assert isinstance(space, Mention) and space.inside == "blob/main/app.py"
    gitlab = repository_mention("https://gitlab.com/g/p/-/tree/main", Origin.ABSTRACT)
    assert isinstance(gitlab, Mention) and gitlab.inside == ""
    ssh = repository_mention("git@github.com:o/r.git", Origin.SOURCE)
    assert isinstance(ssh, Mention) and (ssh.link.url, ssh.inside) == ("https://github.com/o/r", "")


@pytest.mark.parametrize(
    ("text", "pages"),
    [
        (HELIOS_COMMENT, ["https://pku-yuangroup.github.io/Helios-Page/"]),
        ("Project page: https://helios.example.org/demo.", ["https://helios.example.org/demo"]),
        ("Our project website is available at www.lab.edu/proj", ["https://www.lab.edu/proj"]),
        ("Homepage (https://x.org/y)", ["https://x.org/y"]),
        ("see x.github.io/P and x.github.io/P", ["https://x.github.io/P"]),
        # Code hosts, arXiv, DOIs and HF pages are never project pages; nor are other links.
        ("Project page: https://github.com/o/r", []),
        ("Project page: https://arxiv.org/abs/2601.00001", []),
        ("Project page: https://doi.org/10.1/x", []),
        ("Project page: https://huggingface.co/spaces/o/r", []),
        ("Data at https://zenodo.org/records/1", []),
        ("Project page: javascript:alert(1)//x.github.io", []),
        ("Project page: https://user:pw@x.org/", []),
        ("Project page: https://x.org:8443/", []),
        ("Project page: https://g\u0456thub.io/x", []),
        ("Project page: https://x.org/" + "a" * 400, []),
        ("", []),
    ],
)
def test_project_pages_in_text(text, pages):
    assert project_pages_in(text) == pages


def test_the_source_project_page_wins_and_bad_ones_are_ignored():
    text = "https://a.github.io/"
    chosen = choose_links(title="T", source_page="https://s.org/p", abstract=text)
    assert chosen.project_page == "https://s.org/p"
    hostile = choose_links(title="T", source_page="javascript:alert(1)", abstract=text)
    assert hostile.project_page == text
    assert project_page_url("http://x.github.io/p") == "https://x.github.io/p"
    assert project_page_url("https://1.2.3.4/p") is None


@given(st.text(max_size=400), st.text(max_size=100))
def test_never_raises_and_only_returns_known_hosts(text, title):
    choice = choose_links(title=title, abstract=text, comments=[text], source_code=[text])
    if choice.code is not None:
        assert choice.code.url.startswith(
            ("https://github.com/", "https://gitlab.com/", "https://codeberg.org/", "https://huggingface.co/spaces/")
        )  # fmt: skip
    if choice.project_page:
        assert choice.project_page.startswith("https://") and choice.project_page.isascii()
