"""Public notices (公示/公告): working-day periods on China's official calendar."""
