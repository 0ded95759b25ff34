# LibTorch parts of cess_ailink (data, models, training, simulation).
