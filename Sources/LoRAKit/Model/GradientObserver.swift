/// Told by `LlamaModel.lossAndGradients` as its backward pass finishes gradients, in the order
/// of `LlamaModel.gradientStages`: the final norm's and LM head's (full-parameter training),
/// each decoder layer's from the last to the first, then the embedding's. When called, those
/// gradients are final for the micro-batch and the backward pass will not touch them again, so
/// the observer may read and overwrite them (the trainer's bucketed all-reduce does both). The
/// model knows only this protocol, nothing of ranks or MPI.
public protocol GradientObserver: AnyObject {
    func gradientsReady(_ parameters: [TrainableParameter]) throws
}
