"""The word lists the key-phrase extractor cuts and trims phrases with (pure data).

A key phrase is a run of words between punctuation and the words below: a chip names a thing
("sparse mixture-of-experts routing"), never a clause ("FIGR outperforms strong"), so every
word that joins, qualifies or acts breaks a run.
"""

from __future__ import annotations

from paperfeed.papers.glance.verbs import CORPUS_VERBS


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words: articles, pronouns, prepositions, conjunctions, auxiliaries, quantifiers.
FUNCTION = _words(
    """
    aren't isn't don't doesn't can't won't wasn't weren't hasn't haven't didn't shouldn't a
    an the this that these those there here it its itself they them their theirs we our ours
    us you your i me my he she his her one ones which who whom whose what when where why how
    whether while whereas although though because since unless until upon within without of
    and or nor but so yet if then than as at by for from in into onto on off out over under
    to toward towards with via per about above across after against along among amongst
    around before behind below beneath beside besides between beyond despite during except
    inside near outside through throughout till unlike versus vs whilst amid thereby therein
    thus hence however moreover furthermore meanwhile nevertheless nonetheless otherwise
    instead indeed also too very just only even still already again ever never not no yes
    rather quite often usually always sometimes almost nearly further either neither both
    each every all any some such same other another own more most less least much many few
    several various numerous enough is are was were be been being am do does did done doing
    has have had having can could may might must shall should will would cannot let lets e.g
    i.e etc et al cf i.e. e.g. ie eg
    """
)

# Verbs and verb forms abstracts use to say what a method or paper does: a phrase never holds
# one ("agentic crafting requires", "FIGR outperforms strong").
VERBS = _words(
    """
    propose proposes proposed proposing introduce introduces introduced introducing present
    presents presented presenting develop develops developed design designs designed achieve
    achieves achieved achieving outperform outperforms outperformed outperforming surpass
    surpasses surpassed exceed exceeds exceeded require requires required requiring enable
    enables enabled enabling improve improves improved improving show shows showed shown
    demonstrate demonstrates demonstrated demonstrating reveal reveals revealed provide
    provides provided providing allow allows allowed allowing yield yields yielded remain
    remains remained become becomes became make makes made making use uses used using
    leverage leverages leveraged leveraging employ employs employed employing exploit
    exploits exploited exploiting address addresses addressed addressing tackle tackles
    tackled consider considers considered evaluate evaluates evaluated evaluating compare
    compares compared comparing conduct conducts conducted perform performs performed obtain
    obtains obtained suggest suggests suggested indicate indicates indicated find finds
    found lead leads led include includes included including involve involves involved
    contain contains contained focus focuses focused aim aims aimed seek seeks sought offer
    offers offered capture captures captured generate generates generated struggle struggles
    fail fails failed suffer suffers rely relies relied depend depends lack lacks limit
    limits limited hinder hinders hindered extend extends extended reach reaches reached
    attain attains deliver delivers delivered facilitate facilitates facilitated incorporate
    incorporates incorporated integrate integrates integrated combine combines combined
    explore explores explored exploring investigate investigates investigated investigating
    analyze analyzes analyzed analyse analyses analysed examine examines examined establish
    establishes established construct constructs constructed curate curates curated release
    releases released build builds built create creates created train trains trained apply
    applies applied operate operates operated ensure ensures ensured maintain maintains
    maintained reduce reduces reduced increase increases increased boost boosts boosted
    mitigate mitigates mitigated alleviate alleviates overcome overcomes resolve resolves
    solve solves solved handle handles handled support supports supported produce produces
    produced predict predicts achieve benefit benefits enhance enhances enhanced enhancing
    emerge emerges emerged arise arises take takes taken give gives given get gets got see
    seen call called named termed known refer refers referred describe describes described
    explain explains explained treat treats depict depicts adopt adopts adopted serve serves
    served bridge bridges unlock unlocks unlocked unleash empower empowers empowered rethink
    revisit revisits highlight highlights highlighted underscore underscores remain need
    needs needed want wants help helps helped learn learns learned learnt observe observes
    observed note notes noted meet meets met compress compresses synthesize synthesizes
    synthesise synthesises elucidate elucidates envision envisions dissect dissects excel
    excels decouple decouples disentangle disentangles harmonize harmonizes reformulate
    reformulates steer steers retrieve retrieves locate locates lose loses cover covers
    covered follow follows followed eliminate eliminates embed embeds encode encodes
    outperforming preserve preserves
    """
)

# With the verbs found in the real corpus (`verbs.py`, made by `bench.glance_verbs`).
VERBS = VERBS | CORPUS_VERBS

# Words that say nothing about this paper at the edge of a phrase: "novel", "proposed",
# "extensive", "key" ("a novel routing scheme" is "routing scheme"). Trimmed from both ends.
EDGE = _words(
    """
    rapid poor sufficient insufficient excessive crucial critical essential important
    fundamental severe novel new proposed existing recent recently current prior previous
    various different extensive significant significantly effective effectively efficient
    efficiently key main strong simple powerful better improved comprehensive challenging
    diverse multiple following overall general specific particular certain typical common
    standard popular widely broad wide great good superior remarkable impressive promising
    notable substantial considerable competitive significant unified first second third
    final additional further like such well based driven aware related due able capable
    paper papers work works study studies approach approaches method methods technique
    techniques strategy strategies framework frameworks paradigm result results task tasks
    problem problems performance experiment experiments experimental baseline baselines
    setting settings way ways issue issues challenge challenges limitation limitations
    solution solutions state art sota advance advances advancement advancements progress
    success capability capabilities ability abilities demand demands effort efforts insight
    insights implementation contribution contributions extension version versions variant
    variants code github report reports technical survey surveys overview roadmap
    lightweight scalable robust reliable accurate flexible versatile high-quality
    high-performance advanced innovative practical generalizable cost-effective
    state-of-the-art
    two three four five six seven eight nine ten dozens hundreds thousands
    """
)
# (Counts, the last line, say how many and not what: "three complementary metrics". The
# evaluative adjectives of the three lines before them lead thousands of chips of the real corpus,
# `python -m bench.glance_generic`: "robust" 559, "lightweight" 242, "scalable" 237…)

# Heads that, after words saying nothing (common phrases, weak heads, the words above), make
# a generic chip: "neural network structure", "model architecture", "experimental results".
# The nouns ending the most distinct chips of the real corpus whose chips, read by hand, were
# mostly generic (`python -m bench.glance_generic` lists them).
GENERIC_HEAD = _words(
    """
    structure structures architecture architectures design designs performance result
    results quality accuracy process processes mechanism mechanisms module modules pipeline
    pipelines scheme schemes component components analysis evaluation behavior behaviour
    capability property properties outcome outcomes effect effects effectiveness efficiency
    family families metric metrics
    """
)

# Head nouns so broad that a phrase made of one more word and one of these ("diffusion
# models", "language model") is a weak chip; kept only when nothing better is found.
WEAK_HEAD = _words(
    """
    model models system systems network networks data dataset datasets method methods
    approach approaches framework frameworks tasks task
    """
)

# Phrases common to so many papers of the catalogue that they tell one from another poorly.
# A fixed list (not counted from the catalogue), so a paper's keywords never change as the
# catalogue grows.
COMMON = frozenset(
    tuple(phrase.split())
    for phrase in (
        "large language model",
        "language model",
        "llm",
        "vision-language model",
        "vlm",
        "multimodal large language model",
        "mllm",
        "deep learning",
        "machine learning",
        "neural network",
        "deep neural network",
        "artificial intelligence",
        "ai",
        "real-world",
        "real world",
        "real-world application",
        "downstream",
        "state-of-the-art",
        "open-source",
        "fine-tuning",
        "training data",
        "computational cost",
        "wide range",
        "large-scale",
    )
)

# Words in "-ly" that are nouns, not adverbs.
LY_NOUNS = _words(
    """
    anomaly anomalies family families assembly supply reply monopoly italy poly butterfly
    jelly belly bully ally rally tally homily july
    """
)

# Endings of adjectives: a phrase does not end with one ("native agentic", "physics-aware
# groupwise"), unless the word is also a noun (below).
ADJECTIVE_ENDINGS = ("ic", "al", "ive", "ous", "able", "ible", "ful", "less", "wise", "ant", "ent")
ADJECTIVE_LOOKING_NOUNS = _words(
    """
    signal signals retrieval proposal interval animal journal terminal material manual
    tutorial rival potential arrival approval removal survival trial trials portal capital
    principal hospital protocol logic music topic topics graphic graphics traffic clinic
    metric metrics arithmetic mechanic heuristic heuristics objective objectives alternative
    perspective perspectives incentive incentives archive initiative directive primitive
    primitives narrative narratives derivative derivatives representative executive motive
    table tables variable variables cable label vulnerable deliverable wearable wearables
    agent agents gradient gradients element elements environment environments component
    components segment segments document documents experiment content contents patient
    patients student students client clients assistant assistants constant constants variant
    variants participant participants descent event events intent embedment moment moments
    treatment assessment alignment development deployment management measurement improvement
    statement requirement judgment judgement argument arguments equipment instrument
    movement movements placement replacement refinement adjustment enhancement engagement
    investment payment settlement sentiment department government fragment fragments pigment
    garment tangent accent talent percent restaurant plant plants inhabitant merchant
    servant tenant peasant infant elephant giant chemical chemicals criminal criminals
    individual individuals official officials professional professionals rational residual
    residuals spectral terminal tutorial editorial mineral minerals pedal petal renal spiral
    sequential capital
    """
)

# Words in "-ing" that are nouns and name things ("reasoning models", "learning rate"): the
# others start no phrase ("detecting point anomalies" is "point anomalies").
ING_NOUNS = _words(
    """
    operating learning training reasoning understanding modeling modelling planning
    processing computing encoding decoding rendering sampling clustering tracking mapping
    captioning grounding editing fine-tuning finetuning pretraining pre-training
    post-training outpainting inpainting scheduling routing programming engineering
    prompting forecasting pooling parsing matching labeling labelling hashing imaging
    sensing scaling thinking crafting setting settings building buildings embedding
    embeddings meaning meanings reading writing speaking listening hearing recording
    recordings painting drawing drawings clothing housing banking marketing shipping trading
    pricing funding computing networking caching batching streaming serving indexing ranking
    retrieving filtering denoising smoothing morphing warping blending shading lighting
    coloring colouring segmenting bootstrapping boosting bagging pruning quantization
    distilling monitoring testing debugging logging profiling benchmarking watermarking
    fingerprinting offloading unlearning fine-tuning red-teaming jailbreaking tokenizing
    tuning mining manufacturing driving steering parking walking running swimming dancing
    singing gaming wing king ring string spring thing things nothing something everything
    anything evening morning beginning ceiling wedding pudding bearing bearings coupling
    couplings opening openings warning warnings finding findings reasoning-intensive
    """
)
