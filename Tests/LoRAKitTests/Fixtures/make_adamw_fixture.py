"""torch.optim.AdamW on a seeded vector for 5 steps with seeded gradients (lr 1e-2, betas
(0.9, 0.95), eps 1e-8, weight decay 0.1), for LoRAKit's optimizer kernel to match.

    pip install torch safetensors
    python make_adamw_fixture.py      # writes adamw/adamw.safetensors
"""
import torch
from safetensors.torch import save_file

torch.manual_seed(11)
p = torch.randn(1000)
grads = torch.randn(5, 1000) * torch.logspace(-4, 1, 1000)
param = torch.nn.Parameter(p.clone())
optimizer = torch.optim.AdamW([param], lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
out = {"initial": p, "gradients": grads}
for step in range(5):
    param.grad = grads[step].clone()
    optimizer.step()
    out[f"after_{step + 1}"] = param.detach().clone()
save_file(out, "adamw/adamw.safetensors")
print("ok", (out["after_5"] - p).abs().max().item())
