"""ui/tail"""
