"""tail"""
