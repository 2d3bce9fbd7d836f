"""Verbs of research abstracts (and their "-s" forms), which no key phrase holds:
generated from the real corpus by `python -m bench.glance_verbs` (pure data; a fixed
list, so a paper's keywords never change as the catalogue grows)."""

from __future__ import annotations

_WORDS = """
    ablate ablates absorb absorbs abstain abstains accelerate accelerates accept accepts
    accommodate accommodates accompanies accompany accomplish accomplishes accumulate
    accumulates achieve achieves acquire acquires activate activates adapt adapts add
    address addresses adds adhere adheres adjust adjusts administer administers admit admits
    adopt adopts advocate advocates affect affects afford agree agrees align aligns
    alleviate alleviates allocate allocates allow alter alters amplifies amplify analyse
    analyze analyzes animate animates annotate annotates anticipate anticipates appear
    appears argue argues arise arises arrive arrives articulate articulates ask asks
    assemble assembles assess assesses assign assigns assist assists associate associates
    assume assumes attach attaches attain attains attend attends attenuate attenuates
    augment augments automate automates avoid become becomes begin begins behave behaves
    believe believes belong belongs bind binds borrow borrows break breaks broaden broadens
    build builds bypass bypasses calculate calculates calibrate calibrates call calls
    carries carry cast casts catalyze catalyzes categorize categorizes cause certifies
    certify characterise characterises characterize characterizes choose chooses chose
    circumvent circumvents clarifies clarify classifies classify coexist coexists
    collaborate collaborates collect collects collude combine combines come communicate
    communicates compare compares compensate compensates compete competes compile compiles
    complicate complicates compose composes comprehend comprehends compress compresses
    compromise compromises concatenate concatenates conceal conceals concentrate
    concentrates conceptualise conceptualises conceptualize conceptualizes conclude
    concludes conduct conducts configure configures confirm confirms conflate conflates
    confuse confuses connect connects consider considers consist consists consolidate
    consolidates constitute constitutes constrain constrains construct constructs consume
    consumes contain contains contend contends contextualize contextualizes continue
    continues contribute contributes converge converges convert converts convey conveys cope
    copes correspond corresponds corroborate corrupt corrupts craft crafts create curate
    curates customize customizes deal deals deceive deceives decide decides decompose
    decomposes deconstruct deconstructs decouple decouples deduce deduces deepen deepens
    defend defends define defines degrade degrades delineate delineates deliver delivers
    delve delves democratize democratizes demonstrate demonstrates denote denotes depart
    departs depend depends deploy deploys derail derive derives describe describes
    destabilize destabilizes detect detects deteriorate deteriorates determine determines
    develop develops deviate deviates devise devises diagnose diagnoses differ differentiate
    differentiates differs dig digs dilute dilutes diminish diminishes disagree disagrees
    discard discards discern discerns disclose discloses discover discovers discriminate
    discriminates discuss discusses disentangle disentangles disrupt disrupts dissect
    dissects distill distills distinguish distinguishes distort distorts distribute
    distributes dive diverge diverges dives dominate dominates draw draws dub elevate
    elevates elicit elicits eliminate eliminates elucidate elucidates embrace embraces
    emerge emerges emit emits emphasize emphasizes employ employs empower empowers emulate
    emulates enable encode encodes encompass encompasses encounter encounters encourage
    encourages endow enforce enforces engage engages enhance enhances enlarge enlarges
    enrich enriches ensure enter enters enumerate enumerates envision envisions equip equips
    erode erodes escalate escalates establish establishes estimate estimates evade evades
    evaluate evaluates evolve evolves exacerbate exacerbates examine examines execute
    executes exemplifies exemplify exert exerts exhibit exhibits exist exists expand expands
    expect expects expedite expedites explain explains exploit exploits explore explores
    expose exposes express expresses extend extends extract extracts extrapolate
    extrapolates fabricate fabricates facilitate facilitates fail fails favor favors feel
    feels fill fills find finds fine-tune fine-tunes finetune finetunes fit fits follow
    follows formalise formalize formalizes formulate formulates foster fosters freeze
    freezes fulfill fulfills fuse fuses gather gathers generalise generalises generalize
    generalizes generate generates get gets give grow grows hallucinate hallucinates hamper
    handle handles happen help helps hide hides highlight hijack hijacks hinder hinders hold
    holds hope hurt hurts hypothesise hypothesize hypothesizes identifies identify ignore
    ignores illustrate illustrates imitate imitates impair impairs impede impedes implement
    implements impose imposes improve improves incentivize incentivizes incorporate
    incorporates incur incurs indicate induce induces infer infers inflate inform informs
    inherit inherits initialize initializes initiate initiates inject injects insert inserts
    inspect inspects inspire instantiate instantiates instill instills integrate integrates
    intend intends interact interacts interfere interferes interleave interleaves
    internalize internalizes interpret interprets interrogate interrogates intervene
    intervenes introduce introduces invalidate invalidates invert inverts investigate
    investigates invoke invokes involve involves isolate isolates justify keep keeps know
    knows lay lays lead leak learn learns leave leverage leverages listen listens localize
    localizes locate locates look lose loses made maintain maintains make manage manages
    manipulate manipulates match matches maximize maximizes meet meets memorize memorizes
    minimize minimizes misalign misaligns misguide misguides mislead misleads misrepresent
    misrepresents miss mitigate mitigates modifies modify modulate modulates motivate move
    moves navigate navigates notice notices obscure obscures observe observes obtain obtains
    occur offer offers omit omits operate operates operationalise operationalises
    operationalize operationalizes opt optimise optimises optimize optimizes organise
    organises organize organizes originate originates outline outlines outperform
    outperforms overcome overcomes overestimate overestimates overfit overfits overlook
    override overrides overstate overstates overwhelm overwhelms overwrite overwrites
    parameterize parameterizes participate participates pave paves pay pays penalize
    penalizes perceive perceives perform performs perpetuate persist persists perturb
    perturbs pinpoint pinpoints pioneer pioneers play plays posit posits possess possesses
    post-train post-trains postulate postulates pre-train pre-trains precede precedes
    predict predicts prefer prefers present presents preserve preserves pretrain pretrains
    prevent prevents prioritize prioritizes produce produces promote promotes propagate
    propagates propose proposes protect protects prove proves provide provides prune prunes
    publish pursue pursues push pushes put quantifies quantify quantize quantizes raise ran
    re-evaluate re-evaluates re-examine re-examines realize realizes recast recasts
    recognize recognizes recommend recommends reconceptualize reconceptualizes reconcile
    reconciles reconstruct reconstructs recover recovers rectifies rectify redefine
    redefines redesign redesigns reduce reduces reexamine refer refers refine refines
    reflect reformulate reformulates reframe refuse refuses regularize regularizes reinforce
    reinforces reinterpret reinterprets relate relax relaxes release releases remain remains
    remember remembers remove removes render renders reorganize reorganizes replace replaces
    replicate replicates represent represents reproduce reproduces repurpose repurposes
    require requires resemble resembles reshape reshapes reside resides resist resists
    resolve resolves resort resorts respond responds restore restores restrict restricts
    rethink rethinks retrain retrains retrieve retrieves reveal reveals revise revises
    revisit revisits revolutionize revolutionizes rival rivals satisfies satisfy save say
    says see seek seeks seem seems sees select selects self-improve self-improves send sends
    serve serves settle settles share shares sharpen sharpens show showcase shows shrink
    shrinks sidestep simplifies simplify simulate simulates situate situates solve solves
    specialize specifies specify speculate speculates spend spends spur spurs stabilize
    stabilizes standardize standardizes steer steers stimulate stimulates streamline
    streamlines strengthen strengthens strive strives struggle struggles submit submits
    substantiate suffer suffers suffice suffices suggest summarize summarizes supervise
    supervises suppress suppresses surpass surpasses survive survives sustain sustains
    synthesize synthesizes tackle tackles tailor tailors take takes teach teaches tell
    threaten threatens tolerate tolerates took train trains transform transforms translate
    translates traverse traverses treat treats tries try uncover uncovers underestimate
    underestimates undergo undergoes undermine undermines underperform underperforms
    understand understands undertake undertakes unfold unfolds unifies unify unleash
    unleashes unlock unlocks unveil urge utilise utilises utilize utilizes validate
    validates varies vary verifies verify violate violates visualize visualizes want wants
    weaken weakens wish wishes worsen worsens yield yields
"""
CORPUS_VERBS = frozenset(_WORDS.split())
