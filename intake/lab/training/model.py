"""The character network: a small CNN over the ``glyph_to_input`` map (PyTorch, training only)."""

from __future__ import annotations

import torch
from torch import nn

from intake.engines.glyph import INPUT_HEIGHT, INPUT_WIDTH


def _block(inputs: int, outputs: int) -> list[nn.Module]:
    return [
        nn.Conv2d(inputs, outputs, 3, padding=1, bias=False),
        nn.BatchNorm2d(outputs),
        nn.ReLU(),
    ]


class CharNet(nn.Module):
    """Conv blocks down to a 5x4 map, then one linear layer (keeps where the ink sits)."""

    def __init__(self, classes: int, width: int = 32) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            *_block(1, w // 2),
            *_block(w // 2, w),
            nn.MaxPool2d(2),
            *_block(w, 2 * w),
            *_block(2 * w, 2 * w),
            nn.MaxPool2d(2),
            *_block(2 * w, 4 * w),
            nn.MaxPool2d(2),
            *_block(4 * w, 4 * w),
        )
        cells = (INPUT_HEIGHT // 8) * (INPUT_WIDTH // 8)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(4 * w * cells, classes))

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, classes)`` for a ``(N, 1, H, W)`` batch of ink maps."""
        return self.head(self.features(batch))
