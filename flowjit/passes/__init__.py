"""Graph-to-graph passes and the pass manager.

    import flowjit.passes as passes

    p = passes.default_pipeline()                 # simplification*(...) > fusion > cleanup
    p.insert_before("fusion", my_pass)            # a function graph -> graph
    sess = tf.Session(pipeline=p)                 # or: with passes.pipeline_context(p): ...
    sess.run(y)
    print(sess.pipeline_report.format())          # passes run, timings

`FLOWJIT_DUMP=<dir>` (or `pipeline_context(dump_dir=...)`) writes every stage of every compiled
plan; `python -m flowjit dump script.py` prints them.
"""

from .constant_folding import LITERAL_LIMIT, constant_folding, fold_constants
from .cse import cse, eliminate_common_subexpressions
from .dce import dce, eliminate_dead_code
from .fusion import FusionDecision, FusionGroup, fuse, fuse_nodes, fusion, plan_fusion
from .manager import (FixedPoint, Instrument, Pass, PassContext, PassError, PassManager, PassRecord, Pipeline,
                      PipelineReport, PrintIR, as_pass, as_pipeline, available_passes, current_context, get_pass,
                      note, pipeline_context, register_pass, run_passes)
from .pipeline import default_pipeline, no_optimization, optimize, run_pipeline, simplification
from .prune import prune
from .rewrite import Edit, Match, Pat, apply_rules, pattern_pass, provenance_from, replace_pattern, splat_value
from .simplify import RULES as SIMPLIFY_RULES
from .simplify import simplify, simplify_graph

__all__ = ["LITERAL_LIMIT", "constant_folding", "fold_constants", "cse", "eliminate_common_subexpressions", "dce",
           "eliminate_dead_code", "FusionDecision", "FusionGroup", "fuse", "fuse_nodes", "fusion", "plan_fusion",
           "FixedPoint", "Instrument", "Pass", "PassContext", "PassError", "PassManager", "PassRecord", "Pipeline",
           "PipelineReport", "PrintIR", "as_pass", "as_pipeline", "available_passes", "current_context", "get_pass",
           "note", "pipeline_context", "register_pass", "run_passes", "default_pipeline", "no_optimization",
           "optimize", "run_pipeline", "simplification", "prune", "Edit", "Match", "Pat", "apply_rules", "pattern_pass",
           "provenance_from", "replace_pattern", "splat_value", "SIMPLIFY_RULES", "simplify", "simplify_graph"]
